use std::process::ExitCode;

use clap::Parser;
use propdesk::cli::Cli;
use propdesk::config::Settings;

fn main() -> ExitCode {
    if let Err(err) = dotenvy::dotenv()
        && !err.not_found()
    {
        eprintln!("propdesk: .env could not be read: {err}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("propdesk: {err}");
            return ExitCode::from(2);
        }
    };
    propdesk::telemetry::init(&settings.log_level, settings.log_format);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(propdesk::cli::execute(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("propdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}

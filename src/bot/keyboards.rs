//! The reply-keyboard menus and how a press on one is recognised.

use crate::domain::Menu;
use crate::i18n::Text;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuItem {
    Repair,
    Complaint,
    MyRequests,
    Language,
    Help,
    Tasks,
    Patrol,
    InviteStaff,
    StaffList,
    Queue,
    Overdue,
    Stats,
    Surveys,
}

impl MenuItem {
    const ALL: [MenuItem; 13] = [
        MenuItem::Repair,
        MenuItem::Complaint,
        MenuItem::MyRequests,
        MenuItem::Language,
        MenuItem::Help,
        MenuItem::Tasks,
        MenuItem::Patrol,
        MenuItem::InviteStaff,
        MenuItem::StaffList,
        MenuItem::Queue,
        MenuItem::Overdue,
        MenuItem::Stats,
        MenuItem::Surveys,
    ];

    pub fn label(self) -> Text {
        match self {
            MenuItem::Repair => Text::new("menu-repair"),
            MenuItem::Complaint => Text::new("menu-complaint"),
            MenuItem::MyRequests => Text::new("menu-my-requests"),
            MenuItem::Language => Text::new("menu-language"),
            MenuItem::Help => Text::new("menu-help"),
            MenuItem::Tasks => Text::new("menu-tasks"),
            MenuItem::Patrol => Text::new("menu-patrol"),
            MenuItem::InviteStaff => Text::new("menu-invite-staff"),
            MenuItem::StaffList => Text::new("menu-staff-list"),
            MenuItem::Queue => Text::new("menu-queue"),
            MenuItem::Overdue => Text::new("menu-overdue"),
            MenuItem::Stats => Text::new("menu-stats"),
            MenuItem::Surveys => Text::new("menu-surveys"),
        }
    }

    /// The menu item whose label is `text` in any language.
    pub fn recognise(text: &str) -> Option<MenuItem> {
        let text = text.trim();
        MenuItem::ALL.into_iter().find(|item| item.label().matches_any_locale(text))
    }
}

/// The rows of a menu.
pub fn rows(menu: Menu) -> Vec<Vec<MenuItem>> {
    use MenuItem::*;
    match menu {
        Menu::Owner => vec![vec![Repair, Complaint], vec![MyRequests], vec![Language, Help]],
        Menu::Staff => vec![vec![Tasks, Patrol], vec![Language, Help]],
        Menu::Supervisor => vec![vec![Tasks, Patrol], vec![Queue, Overdue], vec![Stats], vec![Language, Help]],
        Menu::Admin => {
            vec![vec![InviteStaff, StaffList], vec![Queue, Overdue], vec![Stats, Surveys], vec![Language, Help]]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn a_menu_label_is_recognised_in_either_language() {
        for locale in Locale::ALL {
            assert_eq!(MenuItem::recognise(&MenuItem::Repair.label().render(locale)), Some(MenuItem::Repair));
        }
        assert_eq!(MenuItem::recognise("hello"), None);
    }

    #[test]
    fn no_two_menu_items_share_a_label() {
        for locale in Locale::ALL {
            let mut labels: Vec<String> = MenuItem::ALL.iter().map(|i| i.label().render(locale)).collect();
            labels.sort();
            labels.dedup();
            assert_eq!(labels.len(), MenuItem::ALL.len(), "{locale}");
        }
    }
}

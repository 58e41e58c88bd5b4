//! A user as the pages show one: name, e-mail and the initials of the round badge beside them.

use crate::domain::{User, UserId};

pub struct Person {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub initials: String,
}

impl From<User> for Person {
    fn from(user: User) -> Self {
        let name = user.name.into_string();
        Self { id: user.id, initials: initials(&name), name, email: user.email.into_string() }
    }
}

/// Up to two letters: the first of the first and of the last word.
fn initials(name: &str) -> String {
    if name.is_ascii() {
        // Most names; the same rule over bytes, without decoding and case tables.
        let mut words = name.split_ascii_whitespace().filter_map(|w| w.bytes().find(u8::is_ascii_alphanumeric));
        let first = words.next();
        let last = words.next_back();
        return first.into_iter().chain(last).map(|b| char::from(b.to_ascii_uppercase())).collect();
    }
    let mut words = name.split_whitespace().filter_map(|w| w.chars().find(|c| c.is_alphanumeric()));
    let first = words.next();
    let last = words.next_back();
    first.into_iter().chain(last).flat_map(char::to_uppercase).collect()
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Alice Martin"), "AM");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("Jean Claude van Damme"), "JD");
        assert_eq!(initials("<script>"), "S");
        assert_eq!(initials("  "), "");
        assert_eq!(initials("élodie Ørsted"), "ÉØ");
        assert_eq!(initials("straße 9"), "S9");
    }
}

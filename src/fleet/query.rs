//! Query strings as client-go writes them: a value percent-encoded with only RFC 3986's
//! unreserved characters (`A-Z a-z 0-9 - _ . ~`) kept.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte but the unreserved ones is written `%XX`.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query value, percent-encoded.
pub fn encode(v: &str) -> String {
    utf8_percent_encode(v, VALUE).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(
            super::encode("app=web,env in (a,b)"),
            "app%3Dweb%2Cenv%20in%20%28a%2Cb%29"
        );
        assert_eq!(super::encode("A-z_0.9~"), "A-z_0.9~");
        assert_eq!(super::encode("é/"), "%C3%A9%2F");
    }
}

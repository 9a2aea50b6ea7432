//! Short, safe text taken from replies and errors for messages: cut to a
//! length, and with the characters that can rewrite a terminal escaped.

/// At most this many characters of a body go into an error message.
const EXCERPT_CHARS: usize = 120;

/// The start of a reply body as text: invalid UTF-8 replaced, cut to a
/// short length. Control characters are escaped where it is displayed.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let mut excerpt: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    // Cut if characters were left over, or bytes were never read. (Comparing
    // byte lengths would miss cuts where U+FFFD replaced shorter bytes.)
    if chars.next().is_some() || head.len() < body.len() {
        excerpt.push('…');
    }
    excerpt
}

/// True for characters that must not reach a terminal or log as they are:
/// C0 and C1 controls (escape sequences, carriage return) and the Unicode
/// marks that reorder text (bidi overrides and isolates).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [unsafe character](is_unsafe_char) written as a
/// `\u{..}` escape, so it prints as what it is.
///
/// ```
/// assert_eq!(ivvy::escaped("a\u{1b}]0;x\u{7}b"), "a\\u{1b}]0;x\\u{7}b");
/// assert_eq!(ivvy::escaped("plain é"), "plain é");
/// ```
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The error's own message followed by its innermost cause, which is
/// usually the useful part ("Connection refused").
pub(crate) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = error;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let top = error.to_string();
    let inner = innermost.to_string();
    if std::ptr::eq(innermost, error) || top.contains(&inner) {
        top
    } else {
        format!("{top}: {inner}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_bodies_are_kept_whole() {
        assert_eq!(body_excerpt(b"<html>502</html>"), "<html>502</html>");
    }

    #[test]
    fn long_bodies_are_cut_and_marked() {
        let body = "x".repeat(1000);
        let excerpt = body_excerpt(body.as_bytes());
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn a_cut_through_invalid_utf8_is_marked() {
        let excerpt = body_excerpt(&[0xff; 200]);
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn controls_and_bidi_marks_are_escaped() {
        assert_eq!(
            escaped("\u{9b}31m\u{202e}x\r"),
            "\\u{9b}31m\\u{202e}x\\u{d}"
        );
        assert!(matches!(escaped("ok"), std::borrow::Cow::Borrowed("ok")));
    }

    #[test]
    fn invalid_utf8_does_not_panic() {
        assert_eq!(body_excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}

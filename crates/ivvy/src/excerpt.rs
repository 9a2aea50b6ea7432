//! Short, safe text taken from replies and errors for messages.

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
    fn invalid_utf8_does_not_panic() {
        assert_eq!(body_excerpt(&[0xff, b'a']), "\u{fffd}a");
    }
}

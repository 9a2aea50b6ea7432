//! Proxies: which one, if any, requests to the base URL go through, as
//! reqwest reads the environment (`HTTPS_PROXY` for `https://`,
//! `HTTP_PROXY` for `http://`, else `ALL_PROXY`; lower-case names too;
//! none for a host `NO_PROXY` names), and never for a loopback base URL:
//! a fake server or a local test must not send signed requests to a proxy
//! in clear text. The client is built without proxies for loopback; for
//! other hosts reqwest applies them, and a connection error names the
//! proxy (without its credentials).

use url::Url;

/// The proxy requests to `base` go through, shown without credentials;
/// `None` for a loopback host or when none applies. `var` reads the
/// environment (a parameter, so tests need not set the process's).
pub(crate) fn for_base_url(base: &Url, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if is_loopback(base) {
        return None;
    }
    let host = base.host_str()?;
    let read = |name: &str| {
        var(name)
            .or_else(|| var(&name.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    if read("NO_PROXY").is_some_and(|list| no_proxy_matches(&list, host)) {
        return None;
    }
    let proxy = match base.scheme() {
        "https" => read("HTTPS_PROXY"),
        _ => read("HTTP_PROXY"),
    }
    .or_else(|| read("ALL_PROXY"))?;
    Some(shown(&proxy))
}

/// True for `localhost`, 127.0.0.0/8 and `::1`: the hosts plain `http://`
/// may go to, and that never go through a proxy.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        // `localhost` only: other names may resolve anywhere.
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `NO_PROXY`'s rule as reqwest applies it to names: `*` is every host;
/// an entry is the host itself or a domain it is under (`example.com`
/// and `.example.com` both take `api.example.com`).
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.').to_ascii_lowercase();
        entry == "*"
            || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
    })
}

/// A proxy URL without its user name and password (they may be secrets).
fn shown(proxy: &str) -> String {
    match Url::parse(proxy.trim()) {
        // `user:pw@host:3128` without a scheme parses with `user` as the
        // scheme and cannot lose its user info: taken apart by hand below.
        Ok(mut url) if !url.cannot_be_a_base() && url.host_str().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str().trim_end_matches('/').to_string()
        }
        // Not a URL: only its host part, if it has an @.
        _ => proxy
            .rsplit_once('@')
            .map_or(proxy, |(_, host)| host)
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn loopback_never_goes_through_a_proxy() {
        let vars = [
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("ALL_PROXY", "http://p:9"),
        ];
        for base in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:2",
        ] {
            assert_eq!(for_base_url(&url(base), env(&vars)), None, "{base}");
        }
    }

    #[test]
    fn the_scheme_picks_the_variable_and_credentials_are_never_shown() {
        let vars = [
            ("HTTPS_PROXY", "http://ann:s3cret@proxy.test:3128"),
            ("http_proxy", "http://plain.test:80"),
        ];
        assert_eq!(
            for_base_url(&url("https://api.ivvy.com"), env(&vars)).as_deref(),
            Some("http://proxy.test:3128")
        );
        let bare = [("HTTPS_PROXY", "alice:hunter2@proxy.test:3128")];
        assert_eq!(
            for_base_url(&url("https://api.ivvy.com"), env(&bare)).as_deref(),
            Some("proxy.test:3128")
        );
        let all = [("all_proxy", "socks5://s.test:1080")];
        assert_eq!(
            for_base_url(&url("https://api.ivvy.com"), env(&all)).as_deref(),
            Some("socks5://s.test:1080")
        );
    }

    #[test]
    fn no_proxy_names_hosts_and_domains() {
        let vars = [
            ("HTTPS_PROXY", "http://p.test:1"),
            ("NO_PROXY", "other.test, .ivvy.com"),
        ];
        assert_eq!(for_base_url(&url("https://api.ivvy.com"), env(&vars)), None);
        assert!(for_base_url(&url("https://ivvy.test"), env(&vars)).is_some());
        let all = [("HTTPS_PROXY", "http://p.test:1"), ("no_proxy", "*")];
        assert_eq!(for_base_url(&url("https://api.ivvy.com"), env(&all)), None);
    }
}

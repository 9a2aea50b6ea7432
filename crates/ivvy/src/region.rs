//! iVvy's regional API hosts: the [`Region`] names users pick and the base
//! URL each stands for.

use std::fmt;
use std::str::FromStr;

/// The region whose iVvy servers hold your account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// Australia: `https://api.ap-southeast-2.ivvy.com`.
    Au,
    /// United States: `https://api.us-west-2.ivvy.com`.
    Us,
    /// United Kingdom: `https://api.eu-west-2.ivvy.com`.
    Uk,
}

impl Region {
    /// Every region, in the order the spec lists them.
    pub const ALL: [Region; 3] = [Region::Au, Region::Us, Region::Uk];

    /// The HTTPS base URL of the region's API.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Au => "https://api.ap-southeast-2.ivvy.com",
            Region::Us => "https://api.us-west-2.ivvy.com",
            Region::Uk => "https://api.eu-west-2.ivvy.com",
        }
    }

    /// The short name, `au`, `us` or `uk`.
    pub fn name(self) -> &'static str {
        match self {
            Region::Au => "au",
            Region::Us => "us",
            Region::Uk => "uk",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A region name that is not `au`, `us` or `uk`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown region {0:?}: expected au, us or uk")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;
    fn from_str(text: &str) -> Result<Self, UnknownRegion> {
        Region::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRegion(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for region in Region::ALL {
            assert_eq!(region.name().parse::<Region>(), Ok(region));
            assert_eq!(region.name().to_uppercase().parse::<Region>(), Ok(region));
            assert!(region.base_url().starts_with("https://api."));
        }
        assert_eq!(
            "eu".parse::<Region>().expect_err("unknown").to_string(),
            "unknown region \"eu\": expected au, us or uk"
        );
    }
}

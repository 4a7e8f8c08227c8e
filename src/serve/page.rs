//! The page's HTML, CSS and JavaScript, embedded in the binary (no build step, nothing from the
//! network).

/// The page; `{{TOKEN}}` is replaced by the page's token.
pub const HTML: &str = include_str!("page/index.html");
/// Its style sheet.
pub const CSS: &str = include_str!("page/page.css");
/// Its script: plain JavaScript, no library.
pub const JS: &str = include_str!("page/page.js");

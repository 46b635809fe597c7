//! The bearer token: read from `--token-file`, compared in constant time.
//!
//! With a token, every `/v1/` request must send `Authorization: Bearer
//! <token>`; health checks, metrics and the OpenAPI document stay open so
//! a load balancer or Prometheus needs no secret. The comparison uses
//! `subtle`, so the time it takes does not tell how many leading bytes
//! were right (only whether the length was).

use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::error::ApiError;
use super::{App, ServeError};

/// Largest token file read: a token is a line, not a document.
const MAX_TOKEN_FILE: u64 = 4096;

/// A bearer token. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    /// A token from its text (surrounding whitespace trimmed): visible
    /// ASCII only, as an HTTP header can carry it.
    pub fn new(text: &str) -> Result<Token, String> {
        let token = text.trim();
        if token.is_empty() {
            return Err("no token: the file is empty or whitespace only".into());
        }
        if let Some(c) = token.chars().find(|c| !c.is_ascii_graphic()) {
            return Err(format!(
                "the token holds {c:?}: use visible ASCII characters only (it travels in an HTTP header)"
            ));
        }
        Ok(Token(token.as_bytes().into()))
    }

    /// Reads the token from a file (its first and only line).
    pub fn from_file(path: &Path) -> Result<Token, ServeError> {
        let fail = |problem: String| ServeError::TokenFile {
            path: path.to_path_buf(),
            problem,
        };
        let io = |e: std::io::Error| fail(crate::document::io_message(&e));
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(fail("not a regular file".into()));
        }
        if meta.len() > MAX_TOKEN_FILE {
            return Err(fail(format!(
                "{} bytes is too long for a token file (one line, at most {MAX_TOKEN_FILE} bytes)",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let text =
            String::from_utf8(bytes).map_err(|_| fail("the token is not UTF-8 text".into()))?;
        Token::new(&text).map_err(fail)
    }

    /// Whether `presented` is the token, in time that does not depend on
    /// where the first wrong byte is.
    pub fn matches(&self, presented: &[u8]) -> bool {
        self.0.as_ref().ct_eq(presented).into()
    }
}

/// The credentials an `Authorization` header presents, if it is a bearer.
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| rest.trim_ascii())
}

/// Refuses a request without the token (when the service has one).
pub(crate) async fn require_token(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &app.inner.token {
        if let Err(e) = check(token, &request) {
            return e.into_response();
        }
    }
    next.run(request).await
}

fn check(token: &Token, request: &Request) -> Result<(), ApiError> {
    let unauthorized = |message: &str| ApiError {
        challenge: true,
        ..ApiError::new(StatusCode::UNAUTHORIZED, message)
    };
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "missing bearer token: send the header Authorization: Bearer <token>",
        ));
    };
    let Some(presented) = bearer(value.as_bytes()) else {
        return Err(unauthorized(
            "the Authorization header is not a bearer token: send Authorization: Bearer <token>",
        ));
    };
    if !token.matches(presented) {
        return Err(unauthorized("wrong bearer token"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_trimmed_and_checked() {
        let t = Token::new("  s3cret-token\n").unwrap();
        assert!(t.matches(b"s3cret-token"));
        assert!(!t.matches(b"s3cret-tokem"));
        assert!(!t.matches(b"s3cret-token2"));
        assert!(!t.matches(b""));
        assert_eq!(format!("{t:?}"), "Token(..)");
        assert_eq!(
            Token::new(" \n").unwrap_err(),
            "no token: the file is empty or whitespace only"
        );
        assert_eq!(
            Token::new("pass wörd").unwrap_err(),
            "the token holds ' ': use visible ASCII characters only (it travels in an HTTP header)"
        );
        assert_eq!(
            Token::new("wörd").unwrap_err(),
            "the token holds 'ö': use visible ASCII characters only (it travels in an HTTP header)"
        );
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bear"), None);
        assert_eq!(bearer("Bëarer abc".as_bytes()), None);
    }

    #[test]
    fn token_files_name_their_problem() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").unwrap();
        let err = Token::from_file(&empty).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: no token: the file is empty or whitespace only",
                empty.display()
            )
        );
        let missing = dir.path().join("missing");
        let err = Token::from_file(&missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: no such file or directory", missing.display())
        );
        let big = dir.path().join("big");
        std::fs::write(&big, "x".repeat(5000)).unwrap();
        assert_eq!(
            Token::from_file(&big).unwrap_err().to_string(),
            format!(
                "{}: 5000 bytes is too long for a token file (one line, at most 4096 bytes)",
                big.display()
            )
        );
        let err = Token::from_file(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{}: not a regular file", dir.path().display())
        );
    }
}

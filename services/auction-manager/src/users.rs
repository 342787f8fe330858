//! Admin users and API tokens. Passwords are stored as argon2id hashes; a token is 32 random
//! bytes shown once at creation and stored only as its SHA-256 digest.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHasher, SaltString};
use gavel_store::{PgPool, users};
use sha2::{Digest, Sha256};

/// What a user may do; each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ts_rs::TS)]
#[ts(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Moderates: pauses bidding, extends lots, voids bids, bans bidders.
    Operator,
    /// Configures: creates and edits marathons and lots, cancels lots.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// Prefix that makes a Gavel token recognisable (in a secret scanner, say).
const TOKEN_PREFIX: &str = "gvl_";
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("a username is 1 to 64 characters: letters, digits, '.', '_' or '-'")]
    InvalidUsername,
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("a user named '{0}' already exists")]
    Taken(String),
    #[error("could not hash the password")]
    Hash,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A new user and the one-time API token created with it.
pub struct CreatedUser {
    pub user: users::User,
    pub token: String,
}

pub async fn create_user(pool: &PgPool, username: &str, role: Role, password: &str) -> Result<CreatedUser, CreateUserError> {
    let valid_name =
        !username.is_empty() && username.len() <= 64 && username.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b));
    if !valid_name {
        return Err(CreateUserError::InvalidUsername);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CreateUserError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|_| CreateUserError::Hash)?.to_string();
    let mut tx = pool.begin().await?;
    let user = users::create(&mut *tx, username, role.as_str(), &hash).await?.ok_or_else(|| CreateUserError::Taken(username.to_owned()))?;
    let token = new_token();
    users::add_token(&mut *tx, user.id, &token_digest(&token)).await?;
    tx.commit().await?;
    Ok(CreatedUser { user, token })
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

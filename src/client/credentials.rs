//! Authentication options and what they put in CONNECT: nats.c's rules on
//! which credentials exclude which, applied when they are set, and the
//! JWT / nkey / nonce signature gathered at each connect.
use std::sync::Arc;

use super::error::{Error, ErrorKind, Result};
use super::options::{Options, SignFn, TokenFn, UserJwtFn};
use crate::auth::creds::{CredsSource, UserCreds};

/// The nkey or JWT part of a CONNECT.
#[derive(Default)]
pub(crate) struct ConnectCreds {
    pub jwt: Option<String>,
    pub nkey: Option<String>,
    /// The raw signature of the server's nonce.
    pub sig: Option<Vec<u8>>,
}

fn invalid(text: &str) -> Error {
    Error::new(ErrorKind::InvalidArg, text)
}

impl Options {
    /// `natsOptions_SetToken`; refused while a token handler is set.
    pub fn set_token(&mut self, token: Option<String>) -> Result<()> {
        if token.is_some() && self.token_handler.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "Cannot set a token if a token handler has already been set",
            ));
        }
        self.token = token;
        Ok(())
    }

    /// `natsOptions_SetTokenHandler`; refused while a token is set.
    pub fn set_token_handler(&mut self, handler: Option<TokenFn>) -> Result<()> {
        if handler.is_some() && self.token.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "Cannot set a token handler if a token has already been set",
            ));
        }
        self.token_handler = handler;
        Ok(())
    }

    /// `natsOptions_SetUserCredentialsCallbacks`: both or neither.
    pub fn set_user_credentials_callbacks(
        &mut self,
        jwt: Option<UserJwtFn>,
        signer: Option<SignFn>,
    ) -> Result<()> {
        if jwt.is_some() != signer.is_some() {
            return Err(invalid(
                "the user JWT and signature callbacks must be set together",
            ));
        }
        self.user_creds = None;
        if jwt.is_some() {
            self.nkey = None;
        }
        self.user_jwt = jwt;
        self.signer = signer;
        Ok(())
    }

    /// `natsOptions_SetUserCredentialsFromFiles` / `...FromMemory`: the
    /// library reads the JWT and signs with the seed at every connect.
    /// `None` removes user credentials.
    pub fn set_user_credentials(&mut self, source: Option<CredsSource>) {
        match source {
            None => {
                self.user_creds = None;
                self.user_jwt = None;
                self.signer = None;
            }
            Some(src) => {
                let creds = Arc::new(UserCreds::new(src));
                let c = creds.clone();
                self.user_jwt = Some(Arc::new(move || Ok(c.user_jwt()?)));
                self.signer = Some(signer_of(&creds));
                self.user_creds = Some(creds);
                self.nkey = None;
            }
        }
    }

    /// `natsOptions_SetUserCredentialsFromFiles`: a `.creds` file, or a JWT
    /// file and a seed file; empty names count as none, and no user file
    /// removes user credentials. A seed file alone is refused.
    pub fn set_user_credentials_from_files(
        &mut self,
        user_or_chained: Option<&str>,
        seed_file: Option<&str>,
    ) -> Result<()> {
        let user = user_or_chained.filter(|s| !s.is_empty());
        let seed = seed_file.filter(|s| !s.is_empty());
        if user.is_none() && seed.is_some() {
            return Err(invalid("user or chained file need to be specified"));
        }
        self.set_user_credentials(user.map(|u| CredsSource::Files {
            user_or_chained: u.into(),
            seed_file: seed.map(Into::into),
        }));
        Ok(())
    }

    /// `natsOptions_SetNKey`: a public nkey and a callback signing the nonce.
    pub fn set_nkey(&mut self, public_key: Option<String>, signer: Option<SignFn>) -> Result<()> {
        let public_key = public_key.filter(|k| !k.is_empty());
        if public_key.is_some() && signer.is_none() {
            return Err(invalid("an nkey needs a signature callback"));
        }
        if public_key.is_some() {
            self.user_creds = None;
            self.user_jwt = None;
        }
        self.nkey = public_key;
        self.signer = signer;
        Ok(())
    }

    /// `natsOptions_SetNKeyFromSeed`: the seed file is read (and wiped from
    /// memory) at each connect.
    pub fn set_nkey_from_seed(
        &mut self,
        public_key: Option<String>,
        seed_file: Option<&str>,
    ) -> Result<()> {
        let public_key = public_key.filter(|k| !k.is_empty());
        let seed_file = seed_file.filter(|f| !f.is_empty());
        match (public_key, seed_file) {
            (None, _) => {
                self.nkey = None;
                self.signer = None;
                self.user_creds = None;
            }
            (Some(_), None) => return Err(invalid("an nkey needs a seed file")),
            (Some(k), Some(f)) => {
                let creds = Arc::new(UserCreds::new(CredsSource::SeedFile(f.into())));
                self.signer = Some(signer_of(&creds));
                self.user_creds = Some(creds);
                self.nkey = Some(k);
            }
        }
        self.user_jwt = None;
        Ok(())
    }

    /// The JWT, nkey and nonce signature for one CONNECT. Runs the user's
    /// callbacks, so no lock may be held.
    pub(crate) fn credentials_for(&self, nonce: &[u8]) -> Result<ConnectCreds> {
        let jwt = match &self.user_jwt {
            Some(f) => Some(f()?),
            None => None,
        };
        if jwt.is_some() && self.nkey.is_some() {
            return Err(Error::new(
                ErrorKind::IllegalState,
                "user JWT callback and NKey cannot be both specified",
            ));
        }
        if jwt.is_none() && self.nkey.is_none() {
            return Ok(ConnectCreds::default());
        }
        let signer = self
            .signer
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::IllegalState, "no signature handler is set"))?;
        Ok(ConnectCreds {
            jwt,
            nkey: self.nkey.clone(),
            sig: Some(signer(nonce)?),
        })
    }
}

/// A nonce signer backed by `creds` (its seed is read at each signing).
fn signer_of(creds: &Arc<UserCreds>) -> SignFn {
    let c = creds.clone();
    Arc::new(move |nonce| Ok(c.sign(nonce)?.to_vec()))
}

//! HMAC for jsonwebtoken, computed by `ring` (already built for rustls). jsonwebtoken 10 asks for
//! a crypto backend; its `rust_crypto` one also brings RSA, ECDSA and Ed25519 (about thirty crates
//! of build) for algorithms these tokens never use. Parsing, claims and validation stay
//! jsonwebtoken's; only the MAC comes from here. Tokens are HS256 (`TokenKeys` validates nothing
//! else); HS384 and HS512 are here too so that a test can sign the tokens the server must refuse.
//! Any other algorithm is refused.

use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::hmac;

static PROVIDER: CryptoProvider =
    CryptoProvider { signer_factory: signer, verifier_factory: verifier, jwk_utils: JwkUtils::new_unimplemented() };

/// Makes this the process's provider; later calls (a second `TokenKeys`) change nothing.
pub fn install() {
    let _already_installed = PROVIDER.install_default();
}

struct Hmac {
    algorithm: Algorithm,
    key: hmac::Key,
}

impl Hmac {
    fn new(algorithm: &Algorithm, secret: &[u8]) -> Result<Self> {
        let ring = match algorithm {
            Algorithm::HS256 => hmac::HMAC_SHA256,
            Algorithm::HS384 => hmac::HMAC_SHA384,
            Algorithm::HS512 => hmac::HMAC_SHA512,
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        };
        Ok(Self { algorithm: *algorithm, key: hmac::Key::new(ring, secret) })
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(Hmac::new(algorithm, key.try_get_hmac_secret()?)?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(Hmac::new(algorithm, key.try_get_hmac_secret()?)?))
}

impl Signer<Vec<u8>> for Hmac {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hmac {
    /// In constant time (`ring::hmac::verify`).
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        hmac::verify(&self.key, message, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl JwtVerifier for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7515, appendix A.1: the example HS256 JWS, signed and verified byte for byte.
    #[test]
    fn the_rfc_7515_example_signs_and_verifies() {
        install();
        let key = [
            3, 35, 53, 75, 43, 15, 165, 188, 131, 126, 6, 101, 119, 123, 166, 143, 90, 179, 40, 230, 240, 84, 201, 40,
            169, 15, 132, 178, 210, 80, 46, 191, 211, 251, 90, 146, 210, 6, 71, 239, 150, 138, 180, 195, 119, 98, 61,
            34, 61, 46, 33, 114, 5, 46, 79, 8, 192, 205, 154, 245, 103, 208, 128, 163,
        ];
        let message = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9\
                       .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let encoding = EncodingKey::from_secret(&key);
        let decoding = DecodingKey::from_secret(&key);
        assert_eq!(jsonwebtoken::crypto::sign(message.as_bytes(), &encoding, Algorithm::HS256).unwrap(), signature);
        assert!(jsonwebtoken::crypto::verify(signature, message.as_bytes(), &decoding, Algorithm::HS256).unwrap());
        let tampered = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(!jsonwebtoken::crypto::verify(tampered, message.as_bytes(), &decoding, Algorithm::HS256).unwrap());
        assert!(jsonwebtoken::crypto::sign(message.as_bytes(), &encoding, Algorithm::RS256).is_err());
        assert!(
            jsonwebtoken::crypto::verify(signature, message.as_bytes(), &decoding, Algorithm::HS384)
                .is_ok_and(|ok| !ok)
        );
    }
}

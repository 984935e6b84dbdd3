#pragma once
// JSON Web Tokens as the Bot Framework uses them: compact JWS, RS256/384/512,
// keys from a JWKS. Parsing and signature checks only; what the claims must say
// is bot_framework_auth's business. Signing is here for tests and the stand-in.
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace bot::webhooks {

// RFC 4648 §5 without padding. Decoding accepts text with or without correct '='
// padding and returns nullopt for characters outside the alphabet (including '+'
// and '/'), a length that cannot be base64 (4n+1), misplaced padding, or
// non-zero unused bits in the last character (non-canonical text). Never throws.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

struct jwt {
    boost::json::object header;    // alg, kid, typ, …
    boost::json::object claims;    // iss, aud, exp, nbf, serviceurl, …
    std::string signing_input;     // "<header b64>.<payload b64>", what the signature covers
    std::string signature;         // raw bytes
};

// Splits and decodes a compact JWS; nullopt when it is not three base64url parts with
// JSON objects for header and claims. The signature may be empty (as in "alg":"none"
// tokens, which verify() then refuses). Checks nothing else. Never throws.
std::optional<jwt> parse_jwt(std::string_view compact);

// An RSA public key from a JWK's modulus and exponent (base64url); null when malformed.
// "Malformed" includes a modulus below 2048 or above 16384 bits, and an exponent
// that is even, below 3 or longer than 64 bits. Never throws. The key is immutable:
// verify() may be called from several threads at once.
class rsa_public_key {
public:
    static std::shared_ptr<const rsa_public_key> from_jwk(std::string_view n_b64url, std::string_view e_b64url);
    ~rsa_public_key();
    rsa_public_key(const rsa_public_key&) = delete;
    rsa_public_key& operator=(const rsa_public_key&) = delete;

    // True when `signature` is a valid RS256/RS384/RS512 (`alg`) signature of `input`.
    // False for any other alg (including "none" and HS256) and on any failure.
    bool verify(std::string_view alg, std::string_view input, std::string_view signature) const;

private:
    struct impl;
    explicit rsa_public_key(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

// An RSA key pair for signing tokens (tests, the stand-in): generated fresh.
// Immutable once made: its const members may be called from several threads at once.
class rsa_signing_key {
public:
    // Throws std::runtime_error when OpenSSL cannot make the key, or when `bits` is
    // below 2048 or above 16384 (rsa_public_key::from_jwk would refuse its public half).
    // A 2048-bit key takes tens of milliseconds (more under sanitizers): reuse it.
    static std::unique_ptr<rsa_signing_key> generate(int bits = 2048);
    ~rsa_signing_key();
    rsa_signing_key(const rsa_signing_key&) = delete;
    rsa_signing_key& operator=(const rsa_signing_key&) = delete;

    // The public half as a JWK: {"kty":"RSA","kid":…,"n":…,"e":…,"use":"sig"}.
    boost::json::object public_jwk(std::string_view kid) const;
    // A compact RS256 JWS of `claims` with header {"alg":"RS256","typ":"JWT","kid":kid}.
    // Empty if OpenSSL fails (it does not in practice).
    std::string sign(const boost::json::object& claims, std::string_view kid) const;
    // The raw RSASSA-PKCS1-v1_5 signature of `input` for `alg` ("RS256", "RS384" or
    // "RS512"), for tokens with other algorithms or hand-made headers (tests).
    // Empty for any other alg or if OpenSSL fails.
    std::string signature_of(std::string_view alg, std::string_view input) const;

private:
    struct impl;
    explicit rsa_signing_key(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

}  // namespace bot::webhooks

// JWT building blocks: base64url (RFC 4648 §5), compact JWS parsing, RSA keys from
// JWKs and RS256/384/512 signatures, checked against RFC 7515 Appendix A.2 (a
// token and key published with the standard) and against keys made here.
#include "webhooks/jwt.hpp"  // first: proves the header is self-contained

#include <boost/json/serialize.hpp>
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

using bot::webhooks::base64url_decode;
using bot::webhooks::base64url_encode;
using bot::webhooks::parse_jwt;
using bot::webhooks::rsa_public_key;
using bot::webhooks::rsa_signing_key;
namespace json = boost::json;

namespace {

// RFC 7515 Appendix A.2: a JWS using RSASSA-PKCS1-v1_5 SHA-256, with its key.
constexpr std::string_view rfc7515_n =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
constexpr std::string_view rfc7515_e = "AQAB";
constexpr std::string_view rfc7515_token =
    "eyJhbGciOiJSUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZ"
    "cAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOk"
    "HWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// Key generation is slow: one key for this file, made on first use.
const rsa_signing_key& test_key()
{
    static auto const key = rsa_signing_key::generate();
    return *key;
}

std::string b64(std::string_view json_text)
{
    return base64url_encode(json_text);
}

}  // namespace

TEST_CASE("base64url encodes RFC 4648's test vectors without padding")
{
    CHECK(base64url_encode("") == "");
    CHECK(base64url_encode("f") == "Zg");
    CHECK(base64url_encode("fo") == "Zm8");
    CHECK(base64url_encode("foo") == "Zm9v");
    CHECK(base64url_encode("foob") == "Zm9vYg");
    CHECK(base64url_encode("fooba") == "Zm9vYmE");
    CHECK(base64url_encode("foobar") == "Zm9vYmFy");
    // The URL-safe alphabet: '-' and '_' where standard base64 has '+' and '/'.
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64url_encode(std::string("\x00\x00\x00", 3)) == "AAAA");
}

TEST_CASE("base64url round-trips every byte value at every length of the last quantum")
{
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    for (std::size_t length = 0; length <= all.size(); ++length) {
        auto const bytes = all.substr(all.size() - length);
        auto const text = base64url_encode(bytes);
        CHECK(text.find_first_of("+/=") == std::string::npos);
        auto const back = base64url_decode(text);
        REQUIRE(back.has_value());
        CHECK(*back == bytes);
    }
}

TEST_CASE("base64url decoding accepts missing or correct padding and rejects everything else")
{
    CHECK(base64url_decode("Zg") == std::optional<std::string>{"f"});
    CHECK(base64url_decode("Zg==") == std::optional<std::string>{"f"});
    CHECK(base64url_decode("Zm8=") == std::optional<std::string>{"fo"});
    CHECK(base64url_decode("") == std::optional<std::string>{""});

    std::vector<std::string_view> const bad{
        "Z",          // 4n+1 characters cannot be base64
        "Zm9vY",      //
        "Zg=",        // padding that does not complete the quantum
        "Zg===",      //
        "Zm9v====",   //
        "=Zg=",       // padding in the middle
        "Z=g=",       //
        "Zm9v+w",     // standard base64's alphabet
        "Zm9v/w",     //
        "Zm 9v",      // whitespace
        "Zm9v\n",     //
        "Zm9v.",      //
        "Zh",         // non-zero unused bits ("Zg" is the only text for "f")
        "Zm9",        // ("Zm8" is the only text for "fo")
        "Zm\xc3\xa9", // non-ASCII
    };
    for (auto text : bad) {
        CAPTURE(text);
        CHECK_FALSE(base64url_decode(text).has_value());
    }
}

TEST_CASE("parse_jwt splits a compact token into header, claims, signing input and signature")
{
    auto const token = parse_jwt(rfc7515_token);
    REQUIRE(token.has_value());
    CHECK(token->header.at("alg") == "RS256");
    CHECK(token->claims.at("iss") == "joe");
    CHECK(token->claims.at("exp") == 1300819380);
    CHECK(token->claims.at("http://example.com/is_root") == true);
    CHECK(token->signing_input == rfc7515_token.substr(0, rfc7515_token.rfind('.')));
    CHECK(token->signature.size() == 256);

    // An empty signature parses ("alg":"none" tokens look like this); verify() refuses it.
    auto const unsigned_token = parse_jwt(b64(R"({"alg":"none"})") + "." + b64("{}") + ".");
    REQUIRE(unsigned_token.has_value());
    CHECK(unsigned_token->signature.empty());
}

TEST_CASE("parse_jwt rejects tokens that are not three base64url parts of JSON objects")
{
    auto const obj = b64("{}");
    std::vector<std::string> const bad{
        "",
        "abc",
        obj + "." + obj,                                 // two parts
        obj + "." + obj + "." + obj + "." + obj,         // four parts
        obj + "." + obj + ".sig.",                       // a trailing dot is a fourth part
        "." + obj + ".",                                 // empty header
        obj + "..",                                      // empty claims
        "!!." + obj + ".",                               // header not base64url
        obj + ".!!.",                                    // claims not base64url
        obj + "." + obj + ".!!",                         // signature not base64url
        obj + "." + obj + ".A",                          // signature of impossible length
        b64("[]") + "." + obj + ".",                     // header an array
        b64("\"RS256\"") + "." + obj + ".",              // header a string
        obj + "." + b64("null") + ".",                   // claims null
        obj + "." + b64("42") + ".",                     // claims a number
        obj + "." + b64("{") + ".",                      // claims not JSON
        obj + "." + b64("{}x") + ".",                    // trailing garbage after the object
        obj + "." + b64("{} {}") + ".",                  // two objects
        b64("{\"alg\":\"RS256\",}") + "." + obj + ".",   // trailing comma
        obj + "." + b64("{/*c*/}") + ".",                // comments are not JSON
    };
    for (auto const& text : bad) {
        CAPTURE(text);
        CHECK_FALSE(parse_jwt(text).has_value());
    }
}

TEST_CASE("RFC 7515's RS256 example verifies with its published key, and nothing altered does")
{
    auto const key = rsa_public_key::from_jwk(rfc7515_n, rfc7515_e);
    REQUIRE(key);
    auto const token = parse_jwt(rfc7515_token);
    REQUIRE(token.has_value());
    CHECK(key->verify("RS256", token->signing_input, token->signature));

    SUBCASE("another hash is refused") {
        CHECK_FALSE(key->verify("RS384", token->signing_input, token->signature));
        CHECK_FALSE(key->verify("RS512", token->signing_input, token->signature));
    }
    SUBCASE("algorithms other than RS256/384/512 are refused") {
        for (auto alg : {"none", "HS256", "PS256", "ES256", "rs256", ""}) {
            CAPTURE(alg);
            CHECK_FALSE(key->verify(alg, token->signing_input, token->signature));
        }
        CHECK_FALSE(key->verify("none", token->signing_input, ""));
    }
    SUBCASE("a changed input is refused") {
        auto input = token->signing_input;
        input.back() = input.back() == 'Q' ? 'R' : 'Q';
        CHECK_FALSE(key->verify("RS256", input, token->signature));
    }
    SUBCASE("a changed, shortened or lengthened signature is refused") {
        auto flipped = token->signature;
        flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
        CHECK_FALSE(key->verify("RS256", token->signing_input, flipped));
        CHECK_FALSE(key->verify("RS256", token->signing_input, token->signature.substr(1)));
        CHECK_FALSE(key->verify("RS256", token->signing_input, token->signature + '\0'));
        CHECK_FALSE(key->verify("RS256", token->signing_input, std::string(1, '\0') + token->signature));
        CHECK_FALSE(key->verify("RS256", token->signing_input, ""));
    }
}

TEST_CASE("from_jwk refuses malformed and weak keys")
{
    auto const n_bytes = base64url_decode(rfc7515_n).value();
    CHECK(rsa_public_key::from_jwk(rfc7515_n, rfc7515_e));

    SUBCASE("a modulus with a leading zero byte is the same key") {
        auto const key = rsa_public_key::from_jwk(base64url_encode(std::string(1, '\0') + n_bytes), rfc7515_e);
        REQUIRE(key);
        auto const token = parse_jwt(rfc7515_token).value();
        CHECK(key->verify("RS256", token.signing_input, token.signature));
    }
    SUBCASE("broken base64url") {
        CHECK_FALSE(rsa_public_key::from_jwk(std::string{rfc7515_n} + "+", rfc7515_e));
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, "AQAB="));
        CHECK_FALSE(rsa_public_key::from_jwk("", rfc7515_e));
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, ""));
    }
    SUBCASE("a modulus below 2048 bits") {
        CHECK_FALSE(rsa_public_key::from_jwk(base64url_encode(n_bytes.substr(0, 128)), rfc7515_e));  // 1024 bits
        CHECK_FALSE(rsa_public_key::from_jwk(base64url_encode(n_bytes.substr(1)), rfc7515_e));       // 2040 bits
        CHECK_FALSE(rsa_public_key::from_jwk("AA", rfc7515_e));
    }
    SUBCASE("a modulus above 16384 bits") {
        CHECK_FALSE(rsa_public_key::from_jwk(base64url_encode(std::string(2049, '\xff')), rfc7515_e));
    }
    SUBCASE("an exponent that is even, below 3 or longer than 64 bits") {
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, base64url_encode(std::string("\x01\x00\x00", 3))));
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, base64url_encode("\x01")));
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, base64url_encode(std::string(1, '\0'))));
        CHECK_FALSE(rsa_public_key::from_jwk(rfc7515_n, base64url_encode(std::string(9, '\x01'))));
        CHECK(rsa_public_key::from_jwk(rfc7515_n, base64url_encode("\x03")));
    }
}

TEST_CASE("a generated key signs tokens that its public JWK verifies")
{
    auto const& signer = test_key();
    auto const jwk = signer.public_jwk("key-1");
    CHECK(jwk.at("kty") == "RSA");
    CHECK(jwk.at("kid") == "key-1");
    CHECK(jwk.at("use") == "sig");
    CHECK(jwk.at("e") == "AQAB");
    auto const key = rsa_public_key::from_jwk(jwk.at("n").as_string(), jwk.at("e").as_string());
    REQUIRE(key);

    json::object const claims{{"iss", "https://api.botframework.com"}, {"aud", "app"}, {"exp", 1'900'000'000}};
    auto const compact = signer.sign(claims, "key-1");
    auto const token = parse_jwt(compact);
    REQUIRE(token.has_value());
    CHECK(token->header == json::object{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "key-1"}});
    CHECK(token->claims == claims);
    CHECK(key->verify("RS256", token->signing_input, token->signature));

    SUBCASE("RS384 and RS512 signatures verify under their own alg only") {
        for (auto alg : {"RS256", "RS384", "RS512"}) {
            CAPTURE(alg);
            auto const sig = signer.signature_of(alg, "input");
            CHECK(sig.size() == 256);
            CHECK(key->verify(alg, "input", sig));
            CHECK_FALSE(key->verify(alg, "inpuT", sig));
        }
        CHECK_FALSE(key->verify("RS384", "input", signer.signature_of("RS512", "input")));
    }
    SUBCASE("other algorithms give no signature") {
        CHECK(signer.signature_of("HS256", "input").empty());
        CHECK(signer.signature_of("none", "input").empty());
    }
    SUBCASE("another key's signature does not verify") {
        auto const other = rsa_public_key::from_jwk(rfc7515_n, rfc7515_e);
        REQUIRE(other);
        CHECK_FALSE(other->verify("RS256", token->signing_input, token->signature));
    }
}

TEST_CASE("generate refuses key sizes below 2048 bits")
{
    CHECK_THROWS_AS(rsa_signing_key::generate(1024), std::runtime_error);
    CHECK_THROWS_AS(rsa_signing_key::generate(0), std::runtime_error);
}

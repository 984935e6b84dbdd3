#include "webhooks/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <bit>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace bot::webhooks {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int min_rsa_bits = 2048;
constexpr int max_rsa_bits = 16384;      // OpenSSL's own ceiling for RSA moduli
constexpr std::size_t max_exponent_bytes = 8;

int sextet(char c) noexcept
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

// OpenSSL handles, freed on every path.
struct pkey_free {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct pkey_ctx_free {
    void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
struct md_ctx_free {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
struct bn_free {
    void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct param_bld_free {
    void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct params_free {
    void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

// The digest behind a JWS RSASSA-PKCS1-v1_5 algorithm; null for anything else
// ("none", HS256, PS256, ES256, …).
const char* digest_for(std::string_view alg) noexcept
{
    if (alg == "RS256")
        return "SHA256";
    if (alg == "RS384")
        return "SHA384";
    if (alg == "RS512")
        return "SHA512";
    return nullptr;
}

const unsigned char* bytes(std::string_view s) noexcept
{
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view strip_leading_zeros(std::string_view s) noexcept
{
    while (!s.empty() && s.front() == '\0')
        s.remove_prefix(1);
    return s;
}

// A JSON object from base64url text; nullopt unless it decodes to exactly one object.
std::optional<boost::json::object> decode_object(std::string_view b64)
{
    auto const text = base64url_decode(b64);
    if (!text)
        return std::nullopt;
    boost::system::error_code ec;
    auto value = boost::json::parse(*text, ec);
    if (ec || !value.is_object())
        return std::nullopt;
    return std::move(value.as_object());
}

std::string big_endian(const EVP_PKEY* key, const char* name)
{
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
        ERR_clear_error();
        return {};
    }
    bn_ptr bn{raw};
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

}  // namespace

std::string base64url_encode(std::string_view in)
{
    std::string out;
    out.reserve((in.size() * 4 + 2) / 3);
    std::size_t i = 0;
    auto const at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
    for (; i + 3 <= in.size(); i += 3) {
        auto const v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += alphabet[(v >> 18) & 0x3F];
        out += alphabet[(v >> 12) & 0x3F];
        out += alphabet[(v >> 6) & 0x3F];
        out += alphabet[v & 0x3F];
    }
    if (in.size() - i == 1) {
        auto const v = at(i) << 16;
        out += alphabet[(v >> 18) & 0x3F];
        out += alphabet[(v >> 12) & 0x3F];
    } else if (in.size() - i == 2) {
        auto const v = (at(i) << 16) | (at(i + 1) << 8);
        out += alphabet[(v >> 18) & 0x3F];
        out += alphabet[(v >> 12) & 0x3F];
        out += alphabet[(v >> 6) & 0x3F];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text)
{
    // Padding is optional, but when present it must complete the last quantum.
    std::size_t padding = 0;
    if (text.size() % 4 == 0)
        while (padding < 2 && !text.empty() && text.back() == '=') {
            text.remove_suffix(1);
            ++padding;
        }
    if (padding > 0 && text.size() % 4 != 4 - padding)
        return std::nullopt;
    if (text.size() % 4 == 1)
        return std::nullopt;

    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        auto const v = sextet(c);
        if (v < 0)
            return std::nullopt;
        acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(static_cast<unsigned char>((acc >> bits) & 0xFFu));
        }
    }
    // The last character's unused low bits must be zero, so each byte string has one text.
    if (bits > 0 && (acc & ((1u << bits) - 1u)) != 0)
        return std::nullopt;
    return out;
}

std::optional<jwt> parse_jwt(std::string_view compact)
{
    auto const first = compact.find('.');
    if (first == std::string_view::npos)
        return std::nullopt;
    auto const second = compact.find('.', first + 1);
    if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos)
        return std::nullopt;
    auto const header_b64 = compact.substr(0, first);
    auto const claims_b64 = compact.substr(first + 1, second - first - 1);
    auto const signature_b64 = compact.substr(second + 1);

    auto header = decode_object(header_b64);
    if (!header)
        return std::nullopt;
    auto claims = decode_object(claims_b64);
    if (!claims)
        return std::nullopt;
    auto signature = base64url_decode(signature_b64);
    if (!signature)
        return std::nullopt;
    return jwt{std::move(*header), std::move(*claims), std::string{compact.substr(0, second)}, std::move(*signature)};
}

// ---------------------------------------------------------------------------------------------

struct rsa_public_key::impl {
    pkey_ptr key;
};

rsa_public_key::rsa_public_key(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
rsa_public_key::~rsa_public_key() = default;

std::shared_ptr<const rsa_public_key> rsa_public_key::from_jwk(std::string_view n_b64url, std::string_view e_b64url)
{
    auto const n_bytes = base64url_decode(n_b64url);
    auto const e_bytes = base64url_decode(e_b64url);
    if (!n_bytes || !e_bytes)
        return nullptr;
    auto const n = strip_leading_zeros(*n_bytes);
    auto const e = strip_leading_zeros(*e_bytes);
    if (n.empty() || e.empty() || e.size() > max_exponent_bytes)
        return nullptr;
    auto const n_bits = (n.size() - 1) * 8 + static_cast<std::size_t>(std::bit_width(static_cast<unsigned char>(n.front())));
    if (n_bits < static_cast<std::size_t>(min_rsa_bits) || n_bits > static_cast<std::size_t>(max_rsa_bits))
        return nullptr;
    // An RSA exponent is odd and at least 3 (RFC 8017 §3.1).
    if ((static_cast<unsigned char>(e.back()) & 1u) == 0 || (e.size() == 1 && static_cast<unsigned char>(e.front()) < 3))
        return nullptr;

    bn_ptr bn_n{BN_bin2bn(bytes(n), static_cast<int>(n.size()), nullptr)};
    bn_ptr bn_e{BN_bin2bn(bytes(e), static_cast<int>(e.size()), nullptr)};
    std::unique_ptr<OSSL_PARAM_BLD, param_bld_free> builder{OSSL_PARAM_BLD_new()};
    bool ok = bn_n && bn_e && builder && OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) == 1
              && OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) == 1;
    std::unique_ptr<OSSL_PARAM, params_free> params{ok ? OSSL_PARAM_BLD_to_param(builder.get()) : nullptr};
    pkey_ctx_ptr ctx{params ? EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr) : nullptr};
    EVP_PKEY* raw = nullptr;
    ok = ctx && EVP_PKEY_fromdata_init(ctx.get()) == 1
         && EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) == 1;
    pkey_ptr key{raw};
    if (!ok || !key) {
        ERR_clear_error();
        return nullptr;
    }
    auto i = std::make_unique<impl>();
    i->key = std::move(key);
    return std::shared_ptr<const rsa_public_key>(new rsa_public_key(std::move(i)));
}

bool rsa_public_key::verify(std::string_view alg, std::string_view input, std::string_view signature) const
{
    auto const* md = digest_for(alg);
    if (!md)
        return false;
    // PKCS#1 v1.5 signatures are exactly as long as the modulus.
    auto const size = EVP_PKEY_get_size(impl_->key.get());
    if (size <= 0 || signature.size() != static_cast<std::size_t>(size))
        return false;
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    bool const ok = ctx
                    && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, impl_->key.get(), nullptr) == 1
                    && EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(input), input.size()) == 1;
    if (!ok)
        ERR_clear_error();  // a bad signature leaves errors on this thread's queue
    return ok;
}

// ---------------------------------------------------------------------------------------------

struct rsa_signing_key::impl {
    pkey_ptr key;
};

rsa_signing_key::rsa_signing_key(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
rsa_signing_key::~rsa_signing_key() = default;

std::unique_ptr<rsa_signing_key> rsa_signing_key::generate(int bits)
{
    if (bits < min_rsa_bits || bits > max_rsa_bits)
        throw std::runtime_error("rsa_signing_key: key size must be 2048 to 16384 bits");
    pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)};
    EVP_PKEY* raw = nullptr;
    bool const ok = ctx && EVP_PKEY_keygen_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) == 1
                    && EVP_PKEY_generate(ctx.get(), &raw) == 1;
    pkey_ptr key{raw};
    if (!ok || !key) {
        ERR_clear_error();
        throw std::runtime_error("rsa_signing_key: OpenSSL could not generate an RSA key");
    }
    auto i = std::make_unique<impl>();
    i->key = std::move(key);
    return std::unique_ptr<rsa_signing_key>(new rsa_signing_key(std::move(i)));
}

boost::json::object rsa_signing_key::public_jwk(std::string_view kid) const
{
    return boost::json::object{
        {"kty", "RSA"},
        {"kid", kid},
        {"n", base64url_encode(big_endian(impl_->key.get(), OSSL_PKEY_PARAM_RSA_N))},
        {"e", base64url_encode(big_endian(impl_->key.get(), OSSL_PKEY_PARAM_RSA_E))},
        {"use", "sig"},
    };
}

std::string rsa_signing_key::signature_of(std::string_view alg, std::string_view input) const
{
    auto const* md = digest_for(alg);
    if (!md)
        return {};
    md_ctx_ptr ctx{EVP_MD_CTX_new()};
    std::size_t length = 0;
    bool ok = ctx && EVP_DigestSignInit_ex(ctx.get(), nullptr, md, nullptr, nullptr, impl_->key.get(), nullptr) == 1
              && EVP_DigestSign(ctx.get(), nullptr, &length, bytes(input), input.size()) == 1;
    std::string out(ok ? length : 0, '\0');
    ok = ok
         && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length, bytes(input), input.size())
                == 1;
    if (!ok) {
        ERR_clear_error();
        return {};
    }
    out.resize(length);
    return out;
}

std::string rsa_signing_key::sign(const boost::json::object& claims, std::string_view kid) const
{
    boost::json::object const header{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid}};
    auto input = base64url_encode(boost::json::serialize(header)) + '.' + base64url_encode(boost::json::serialize(claims));
    auto const signature = signature_of("RS256", input);
    if (signature.empty())
        return {};
    return input + '.' + base64url_encode(signature);
}

}  // namespace bot::webhooks

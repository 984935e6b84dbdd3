#include "webhooks/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <charconv>
#include <optional>
#include <string>

namespace bot::webhooks {
namespace {
constexpr std::int64_t replay_window_seconds = 300;

using digest = std::array<unsigned char, 32>;

// OpenSSL's HMAC, fetched once it can be: a fetch searches the provider store under
// a lock, and every signed request needs it. A failed fetch is not kept (the next
// request tries again); a successful one lives for the process.
EVP_MAC* hmac_algorithm()
{
    static std::atomic<EVP_MAC*> cached{nullptr};
    if (auto* known = cached.load(std::memory_order_acquire))
        return known;
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!fetched)
        return nullptr;
    EVP_MAC* expected = nullptr;
    if (!cached.compare_exchange_strong(expected, fetched, std::memory_order_acq_rel)) {
        EVP_MAC_free(fetched);   // another thread's fetch won
        return expected;
    }
    return fetched;
}

// A thread's HMAC-SHA256 context, set up for the last key it used. Setting a key
// fetches SHA-256 from the provider store (under a lock) and hashes the key; a signing
// secret is the same for every request, so each thread does that once and then only
// starts over with the key it has: EVP_MAC_init without a key re-initialises HMAC with
// the key already set (defined since OpenSSL 3.0.3; the tests check it on every build).
struct keyed_hmac {
    EVP_MAC_CTX* ctx = nullptr;
    std::string key;
    keyed_hmac() = default;
    keyed_hmac(const keyed_hmac&) = delete;
    keyed_hmac& operator=(const keyed_hmac&) = delete;
    ~keyed_hmac()
    {
        EVP_MAC_CTX_free(ctx);
        OPENSSL_cleanse(key.data(), key.size());
    }

    // The context, ready for EVP_MAC_update with `k`; nullptr when OpenSSL fails.
    EVP_MAC_CTX* ready_for(std::string_view k)
    {
        if (ctx && key.size() == k.size() && CRYPTO_memcmp(key.data(), k.data(), k.size()) == 0 &&
            EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1)
            return ctx;
        // Set up afresh. The key is kept first, while there is no context: were the copy
        // to throw, the next call would find no context and set up again.
        EVP_MAC_CTX_free(ctx);
        ctx = nullptr;
        OPENSSL_cleanse(key.data(), key.size());
        key.assign(k);
        EVP_MAC* const mac = hmac_algorithm();
        EVP_MAC_CTX* fresh = mac ? EVP_MAC_CTX_new(mac) : nullptr;
        char digest_name[] = "SHA256";
        OSSL_PARAM const params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                                     OSSL_PARAM_construct_end()};
        if (!fresh || EVP_MAC_init(fresh, reinterpret_cast<const unsigned char*>(k.data()), k.size(), params) != 1) {
            EVP_MAC_CTX_free(fresh);
            return nullptr;
        }
        ctx = fresh;
        return ctx;
    }
};

// HMAC-SHA256 over the concatenation of up to three pieces (Slack's basestring is
// "v0:" + timestamp + ":" + body; copying the body to join them would be wasteful).
digest hmac_sha256(std::string_view key, std::string_view a, std::string_view b = {}, std::string_view c = {})
{
    thread_local keyed_hmac hmac;
    digest out{};
    EVP_MAC_CTX* const ctx = hmac.ready_for(key);
    std::size_t written = 0;
    bool ok = ctx != nullptr;
    for (auto part : {a, b, c})
        ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part.data()), part.size()) == 1;
    ok = ok && EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1;
    if (!ok || written != out.size())
        out.fill(0);  // never matches a real signature: the check fails closed
    return out;
}

std::string hex(const digest& d)
{
    constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    out.reserve(d.size() * 2);
    for (auto byte : d) {
        out += digits[byte >> 4];
        out += digits[byte & 0x0F];
    }
    return out;
}

std::string base64(const unsigned char* data, std::size_t size)
{
    std::string out(4 * ((size + 2) / 3), '\0');
    auto const n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::optional<std::string> unbase64(std::string_view text)
{
    if (text.empty() || text.size() % 4 != 0)
        return std::nullopt;
    std::string out(3 * text.size() / 4, '\0');
    auto const n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
    if (n < 0)
        return std::nullopt;
    // EVP_DecodeBlock keeps the padding's zero bytes: drop one per '='.
    std::size_t padding = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it)
        ++padding;
    out.resize(static_cast<std::size_t>(n) - padding);
    return out;
}
}  // namespace

std::string_view to_string(signature_check c) noexcept
{
    switch (c) {
    case signature_check::valid: return "valid";
    case signature_check::missing: return "missing";
    case signature_check::malformed: return "malformed";
    case signature_check::stale: return "stale";
    case signature_check::mismatch: return "mismatch";
    }
    return "?";
}

bool same_secret(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string slack_signature(std::string_view signing_secret, std::string_view timestamp, std::string_view body)
{
    auto const basestring_head = std::string{"v0:"} + std::string{timestamp} + ":";
    return "v0=" + hex(hmac_sha256(signing_secret, basestring_head, body));
}

signature_check verify_slack_signature(std::string_view signing_secret, std::string_view timestamp_header,
                                       std::string_view signature_header, std::string_view body, wall_time now)
{
    if (timestamp_header.empty() || signature_header.empty())
        return signature_check::missing;
    std::int64_t ts = 0;
    auto const [end, ec] = std::from_chars(timestamp_header.data(), timestamp_header.data() + timestamp_header.size(), ts);
    if (ec != std::errc{} || end != timestamp_header.data() + timestamp_header.size())
        return signature_check::malformed;
    // Only version 0 exists; anything else is refused, not guessed at.
    if (!signature_header.starts_with("v0=") || signature_header.size() != 3 + 64)
        return signature_check::malformed;
    auto const now_s = now.time_since_epoch().count();
    if (ts > now_s + replay_window_seconds || ts < now_s - replay_window_seconds)
        return signature_check::stale;
    auto const expected = slack_signature(signing_secret, timestamp_header, body);
    return same_secret(expected, signature_header) ? signature_check::valid : signature_check::mismatch;
}

std::string teams_signature(std::string_view security_token_base64, std::string_view body)
{
    auto const key = unbase64(security_token_base64);
    if (!key)
        return {};
    auto const mac = hmac_sha256(*key, body);
    return "HMAC " + base64(mac.data(), mac.size());
}

signature_check verify_teams_signature(std::string_view security_token_base64, std::string_view authorization,
                                       std::string_view body)
{
    if (authorization.empty())
        return signature_check::missing;
    if (!authorization.starts_with("HMAC "))
        return signature_check::malformed;
    auto const expected = teams_signature(security_token_base64, body);
    if (expected.empty())
        return signature_check::mismatch;
    return same_secret(expected, authorization) ? signature_check::valid : signature_check::mismatch;
}

}  // namespace bot::webhooks

#pragma once
// Private to config/ (it includes toml++, which stays out of every other header):
// typed, located reads from one TOML table. Every key a section asks for becomes
// known to the reader; finish() rejects the rest, so a typo is an error, never a
// silent default. Problems are thrown as `failure`, which parse_settings() turns
// into its config_error; nothing here escapes config/.
#include "bot/calendar.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bot::config::detail {

// Where a value sits in the file: 1-based line and column (0 when it has no single
// place) and its key path, e.g. "customers[1].channels[0].id".
struct place {
    int line = 0;
    int column = 0;
    std::string key;
};

// A configuration problem, thrown inside config/ only.
struct failure {
    place where;
    std::string message;
};

[[noreturn]] void fail(place where, std::string message);

template <class T>
struct located {
    T value;
    place where;
};

class table_reader {
public:
    // `path` is the table's key path ("" for the document, "severity.low", "people[2]").
    table_reader(const toml::table& table, std::string path, place where);

    const std::string& path() const noexcept { return path_; }
    // The table itself (its [header], or where it was first implied).
    const place& where() const noexcept { return where_; }
    // The key's value; the table when the key is absent.
    place where(std::string_view key) const;
    // "path.key"
    std::string key_path(std::string_view key) const;

    // Each getter registers `key` as known, returns nullopt when it is absent and
    // fails when it is present with another type (or, for integers, out of range).
    bool has(std::string_view key);
    std::optional<std::string> string(std::string_view key);
    std::string required_string(std::string_view key);  // present and non-empty
    std::optional<bool> boolean(std::string_view key);
    std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
    std::optional<double> number(std::string_view key);  // integer or floating point
    std::optional<table_reader> table(std::string_view key);
    std::vector<table_reader> tables(std::string_view key);  // an array of tables; absent: none
    // An array of any element type, each element with its place ("key[i]").
    std::optional<std::vector<located<const toml::node*>>> array(std::string_view key);
    std::optional<std::vector<located<std::string>>> strings(std::string_view key);

    // Business lengths ("1h30m", "1d", "1w"), longer than zero when `positive`.
    std::optional<business_span> span(std::string_view key, bool positive);
    // Wall-clock lengths ("10s", "5m"), always longer than zero.
    std::optional<std::chrono::seconds> duration(std::string_view key);

    // Fails on the first key (in file order) that no getter asked for.
    void finish() const;

private:
    const toml::node* find(std::string_view key);

    const toml::table* table_;
    std::string path_;
    place where_;
    std::vector<std::string> known_;
};

// The place of a node, with `key` as its key path.
place place_of(const toml::node& node, std::string key);

// What a node holds, for "expected a string, found an integer".
std::string_view type_name(toml::node_type type) noexcept;

// Reads a business span, or fails at its place naming the accepted forms.
business_span to_span(const located<std::string>& text, bool positive);

}  // namespace bot::config::detail

#include "config/toml_reader.hpp"

#include "bot/time_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>

namespace bot::config::detail {
namespace {

// Edit distance, for "did you mean …?" under a misspelt key.
std::size_t distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t const above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

[[noreturn]] void fail_type(const toml::node& node, std::string key, std::string_view expected)
{
    fail(place_of(node, std::move(key)), fmt::format("expected {}, found {}", expected, type_name(node.type())));
}

}  // namespace

void fail(place where, std::string message)
{
    throw failure{std::move(where), std::move(message)};
}

place place_of(const toml::node& node, std::string key)
{
    auto const& at = node.source().begin;
    return place{static_cast<int>(at.line), static_cast<int>(at.column), std::move(key)};
}

std::string_view type_name(toml::node_type type) noexcept
{
    switch (type) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    }
    return "something else";
}

business_span to_span(const located<std::string>& text, bool positive)
{
    if (text.value == "none")
        fail(text.where, "\"none\" is only allowed for status_update");
    auto const span = parse_business_span(text.value);
    if (!span)
        fail(text.where, fmt::format("'{}' is not a business span; write e.g. \"1h\", \"30m\", \"1h30m\", "
                                     "\"1d\" (business days) or \"1w\" (business weeks)",
                                     text.value));
    if (positive && *span == business_span{})
        fail(text.where, fmt::format("'{}' must be longer than zero", text.value));
    return *span;
}

table_reader::table_reader(const toml::table& table, std::string path, place where)
    : table_(&table), path_(std::move(path)), where_(std::move(where))
{
    where_.key = path_;
}

std::string table_reader::key_path(std::string_view key) const
{
    return path_.empty() ? std::string{key} : fmt::format("{}.{}", path_, key);
}

place table_reader::where(std::string_view key) const
{
    if (auto const* node = table_->get(key))
        return place_of(*node, key_path(key));
    return place{where_.line, where_.column, key_path(key)};
}

const toml::node* table_reader::find(std::string_view key)
{
    if (std::find(known_.begin(), known_.end(), key) == known_.end())
        known_.emplace_back(key);
    return table_->get(key);
}

bool table_reader::has(std::string_view key)
{
    return find(key) != nullptr;
}

std::optional<std::string> table_reader::string(std::string_view key)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    if (auto const* s = node->as_string())
        return s->get();
    fail_type(*node, key_path(key), "a string");
}

std::string table_reader::required_string(std::string_view key)
{
    auto value = string(key);
    if (!value)
        fail(where(key), fmt::format("missing required key '{}'", key));
    if (value->empty())
        fail(where(key), "must not be empty");
    return std::move(*value);
}

std::optional<bool> table_reader::boolean(std::string_view key)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    if (auto const* b = node->as_boolean())
        return b->get();
    fail_type(*node, key_path(key), "a boolean (true or false)");
}

std::optional<std::int64_t> table_reader::integer(std::string_view key, std::int64_t min, std::int64_t max)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    auto const* i = node->as_integer();
    if (!i)
        fail_type(*node, key_path(key), "an integer");
    if (i->get() < min || i->get() > max)
        fail(place_of(*node, key_path(key)), fmt::format("{} is out of range; must be from {} to {}", i->get(), min, max));
    return i->get();
}

std::optional<double> table_reader::number(std::string_view key)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    if (auto const* f = node->as_floating_point())
        return f->get();
    if (auto const* i = node->as_integer())
        return static_cast<double>(i->get());
    fail_type(*node, key_path(key), "a number");
}

std::optional<table_reader> table_reader::table(std::string_view key)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    auto const* t = node->as_table();
    if (!t)
        fail_type(*node, key_path(key), fmt::format("a table ([{}])", key_path(key)));
    return table_reader{*t, key_path(key), place_of(*t, {})};
}

std::vector<table_reader> table_reader::tables(std::string_view key)
{
    std::vector<table_reader> out;
    auto const* node = find(key);
    if (!node)
        return out;
    auto const* a = node->as_array();
    if (!a)
        fail_type(*node, key_path(key), fmt::format("an array of tables ([[{}]])", key_path(key)));
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto const& element = *a->get(i);
        auto const path = fmt::format("{}[{}]", key_path(key), i);
        auto const* t = element.as_table();
        if (!t)
            fail_type(element, path, "a table");
        out.emplace_back(*t, path, place_of(*t, {}));
    }
    return out;
}

std::optional<std::vector<located<const toml::node*>>> table_reader::array(std::string_view key)
{
    auto const* node = find(key);
    if (!node)
        return std::nullopt;
    auto const* a = node->as_array();
    if (!a)
        fail_type(*node, key_path(key), "an array");
    std::vector<located<const toml::node*>> out;
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        auto const* element = a->get(i);
        out.push_back({element, place_of(*element, fmt::format("{}[{}]", key_path(key), i))});
    }
    return out;
}

std::optional<std::vector<located<std::string>>> table_reader::strings(std::string_view key)
{
    auto elements = array(key);
    if (!elements)
        return std::nullopt;
    std::vector<located<std::string>> out;
    out.reserve(elements->size());
    for (auto& e : *elements) {
        auto const* s = e.value->as_string();
        if (!s)
            fail_type(*e.value, std::move(e.where.key), "a string");
        out.push_back({s->get(), std::move(e.where)});
    }
    return out;
}

std::optional<business_span> table_reader::span(std::string_view key, bool positive)
{
    auto text = string(key);
    if (!text)
        return std::nullopt;
    return to_span({std::move(*text), where(key)}, positive);
}

std::optional<std::chrono::seconds> table_reader::duration(std::string_view key)
{
    auto const text = string(key);
    if (!text)
        return std::nullopt;
    auto const d = parse_wall_duration(*text);
    if (!d)
        fail(where(key), fmt::format("'{}' is not a duration; write e.g. \"30s\", \"5m\" or \"2h\"", *text));
    if (*d <= std::chrono::seconds{0})
        fail(where(key), fmt::format("'{}' must be longer than zero", *text));
    return *d;
}

void table_reader::finish() const
{
    // Report the first unknown key in file order, not in the table's (alphabetical) order.
    const toml::key* first = nullptr;
    for (auto const& [k, v] : *table_) {
        if (std::find(known_.begin(), known_.end(), k.str()) != known_.end())
            continue;
        auto const& at = k.source().begin;
        if (!first || at.line < first->source().begin.line ||
            (at.line == first->source().begin.line && at.column < first->source().begin.column))
            first = &k;
    }
    if (!first)
        return;

    auto const& at = first->source().begin;
    place const where{static_cast<int>(at.line), static_cast<int>(at.column), key_path(first->str())};
    std::string_view best;
    std::size_t best_distance = 3;  // a typo is at most two edits away
    for (auto const& k : known_) {
        auto const d = distance(first->str(), k);
        if (d < best_distance) {
            best = k;
            best_distance = d;
        }
    }
    if (!best.empty())
        fail(where, fmt::format("unknown key '{}'; did you mean '{}'?", first->str(), best));
    if (known_.empty())
        fail(where, fmt::format("unknown key '{}'; this table takes no keys", first->str()));
    fail(where, fmt::format("unknown key '{}'; expected one of: {}", first->str(), fmt::join(known_, ", ")));
}

}  // namespace bot::config::detail

#pragma once
// Reading fields of platform JSON that may be missing or of another type: Slack and
// Teams payloads are read leniently, and a field that is not what we expect counts
// as absent.
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace bot::webhooks::json_fields {

// The string at `key`, or empty when absent or not a string.
inline std::string str(const boost::json::object& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key); v && v->is_string())
        return std::string{v->get_string()};
    return {};
}

// The object at `key`, or nullptr when absent or not an object.
inline const boost::json::object* obj(const boost::json::object& o, std::string_view key)
{
    if (auto const* v = o.if_contains(key); v && v->is_object())
        return &v->get_object();
    return nullptr;
}

}  // namespace bot::webhooks::json_fields

#pragma once
// What a command answers its caller: text plus structured fields, so each chat
// platform can render it its own way (Slack blocks, a Teams card, plain text).
#include "bot/vocabulary.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bot::commands {

enum class reply_kind {
    ok,        // done
    info,      // an answer that changed nothing (show, list, help, …)
    usage,     // the command was malformed; usage_line says how to write it
    refusal,   // not allowed, or nothing the caller may see
    failure,   // we failed (storage); nothing changed, try again
};

enum class visibility {
    ephemeral,   // only the caller sees it
    in_channel,  // everyone in the conversation sees it
};

struct reply_field {
    std::string name;
    std::string value;
    friend bool operator==(const reply_field&, const reply_field&) = default;
};

struct reply {
    reply_kind kind = reply_kind::ok;
    visibility shown = visibility::ephemeral;
    std::string text;
    std::vector<reply_field> fields;
    std::optional<case_id> case_ref;   // the case the reply is about, if any
    std::string usage_line;            // for reply_kind::usage

    static reply ok(std::string text, std::optional<case_id> id = std::nullopt)
    {
        return {reply_kind::ok, visibility::ephemeral, std::move(text), {}, id, {}};
    }
    static reply info(std::string text)
    {
        return {reply_kind::info, visibility::ephemeral, std::move(text), {}, std::nullopt, {}};
    }
    static constexpr std::string_view usage_label = "\nUsage: ";
    static reply usage(std::string problem, std::string usage_line)
    {
        auto text = problem + std::string{usage_label} + usage_line;
        return {reply_kind::usage, visibility::ephemeral, std::move(text), {}, std::nullopt, std::move(usage_line)};
    }
    static reply refusal(std::string text)
    {
        return {reply_kind::refusal, visibility::ephemeral, std::move(text), {}, std::nullopt, {}};
    }
    static reply failure(std::string text)
    {
        return {reply_kind::failure, visibility::ephemeral, std::move(text), {}, std::nullopt, {}};
    }

    // The answer without a usage reply's usage line: the sentence, for a form's field,
    // where the typed command's syntax means nothing.
    std::string sentence() const
    {
        return kind == reply_kind::usage ? text.substr(0, text.rfind(usage_label)) : text;
    }

    // The answer as one block of text, its fields after it ("State: open"), for a
    // message that carries text only (an answer in a thread).
    std::string text_with_fields() const
    {
        std::string out = text;
        for (auto const& f : fields)
            out += "\n" + f.name + ": " + f.value;
        return out;
    }

    std::string field(std::string_view name) const
    {
        for (auto const& f : fields)
            if (f.name == name)
                return f.value;
        return {};
    }
};

}  // namespace bot::commands

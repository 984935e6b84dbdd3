#include "bot/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using bot::utf8_prefix;
using bot::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed text of every length")
{
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("Invoices fail"));
    CHECK(valid_utf8("caf\xC3\xA9 cr\xC3\xA8me"));              // é è: two bytes
    CHECK(valid_utf8("\xE2\x82\xAC 5"));                        // €: three bytes
    CHECK(valid_utf8("\xF0\x9F\x8E\xAB ticket"));               // 🎫: four bytes
    CHECK(valid_utf8("\xED\x9F\xBF"));                          // U+D7FF, just below the surrogates
    CHECK(valid_utf8("\xEE\x80\x80"));                          // U+E000, just above them
    CHECK(valid_utf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF, the last code point
    CHECK(valid_utf8(std::string("a\0b", 3)));                  // NUL is a character
}

TEST_CASE("valid_utf8 refuses what is not UTF-8")
{
    CHECK_FALSE(valid_utf8("caf\xE9"));                         // Latin-1 é
    CHECK_FALSE(valid_utf8("\x80"));                            // a continuation byte alone
    CHECK_FALSE(valid_utf8("\xC3"));                            // cut short at the end
    CHECK_FALSE(valid_utf8("\xE2\x82"));
    CHECK_FALSE(valid_utf8("\xE2\x82x"));                       // a non-continuation inside
    CHECK_FALSE(valid_utf8("\xC0\x80"));                        // overlong NUL
    CHECK_FALSE(valid_utf8("\xC1\xBF"));
    CHECK_FALSE(valid_utf8("\xE0\x9F\xBF"));                    // overlong three-byte form
    CHECK_FALSE(valid_utf8("\xF0\x8F\xBF\xBF"));                // overlong four-byte form
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));                    // U+D800, a surrogate
    CHECK_FALSE(valid_utf8("\xED\xBF\xBF"));                    // U+DFFF
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));                // U+110000
    CHECK_FALSE(valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(valid_utf8("\xFF"));
}

TEST_CASE("utf8_prefix never cuts a character in two")
{
    std::string const euros = "a\xE2\x82\xAC\xE2\x82\xAC";   // a€€: 1 + 3 + 3 bytes
    CHECK(utf8_prefix(euros, 100) == euros);
    CHECK(utf8_prefix(euros, 7) == euros);
    CHECK(utf8_prefix(euros, 6) == "a\xE2\x82\xAC");
    CHECK(utf8_prefix(euros, 4) == "a\xE2\x82\xAC");
    CHECK(utf8_prefix(euros, 3) == "a");
    CHECK(utf8_prefix(euros, 1) == "a");
    CHECK(utf8_prefix(euros, 0).empty());
    for (std::size_t n = 0; n <= euros.size(); ++n)
        CHECK(valid_utf8(utf8_prefix(euros, n)));
}

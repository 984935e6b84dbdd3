// Hand-computed business-time table: filled in by the calendar test table work.
#include "bot/calendar.hpp"

#include <doctest/doctest.h>

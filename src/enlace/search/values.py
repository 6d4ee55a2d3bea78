"""Search values, both sides, as pure functions (no database):

- **index entries** (`index_entries(param_type, value)`): what an element value found in a resource
  contributes to a parameter's index: `TokenEntry`/`TokenText`/`OfTypeEntry`, `StringEntry`,
  `DateEntry`, `NumberEntry`, `QuantityEntry` (with UCUM canonical value, see `ucum`),
  `ReferenceEntry`, or the string itself for uri. Unknown shapes give no entries, never an error;
- **search values** (`parse_*_value(text, name)`): the query side, a 400 naming the parameter when
  malformed;
- **comparisons** (`date_matches`, `number_matches`): the R4 prefix semantics on ranges, the
  reference for the SQL the query compiler generates.

Decisions where the spec leaves room:
- dates without a zone (every `date`, zone-less dateTimes and search values) are read as UTC;
- ranges are half-open [low, high) in microseconds; a Period's missing start or end is MIN_US or
  MAX_US; a Timing indexes as one range, its outer limits (events and repeat.boundsPeriod);
- `ap` for dates widens the search range by 10% of the distance from now to its nearer edge; for
  numbers, 10% of the search value (or its precision range, if wider);
- number `sa`/`eb` compare with the ends of the search value's precision range;
- JSON floats (as orjson parses them) become Decimals through their shortest repr;
- ContactPoint indexes its value only (no system); a canonical's `|version` is dropped.

The implementation is split over `values_core` (types, folding, ranges), `values_index` and
`values_query`; import from here.
"""

from __future__ import annotations

from enlace.search.values_core import (
    MAX_US,
    MIN_US,
    DateEntry,
    IndexEntry,
    NumberEntry,
    OfTypeEntry,
    QuantityEntry,
    ReferenceEntry,
    StringEntry,
    TokenEntry,
    TokenText,
    date_range,
    normalize_string,
    number_entry,
    to_decimal,
)
from enlace.search.values_index import (
    CURRENCY_SYSTEM,
    date_entries,
    index_entries,
    number_entries,
    parse_reference,
    quantity_entries,
    reference_entries,
    string_entries,
    token_entries,
    uri_entries,
)
from enlace.search.values_query import (
    PREFIXES,
    DateSearch,
    NumberSearch,
    QuantitySearch,
    ReferenceSearch,
    TokenSearch,
    date_matches,
    number_matches,
    parse_date_value,
    parse_number_value,
    parse_of_type_value,
    parse_quantity_value,
    parse_reference_value,
    parse_string_value,
    parse_token_value,
    split_or,
    unescape,
)

__all__ = [
    "CURRENCY_SYSTEM",
    "MAX_US",
    "MIN_US",
    "PREFIXES",
    "DateEntry",
    "DateSearch",
    "IndexEntry",
    "NumberEntry",
    "NumberSearch",
    "OfTypeEntry",
    "QuantityEntry",
    "QuantitySearch",
    "ReferenceEntry",
    "ReferenceSearch",
    "StringEntry",
    "TokenEntry",
    "TokenSearch",
    "TokenText",
    "date_entries",
    "date_matches",
    "date_range",
    "index_entries",
    "normalize_string",
    "number_entries",
    "number_entry",
    "number_matches",
    "parse_date_value",
    "parse_number_value",
    "parse_of_type_value",
    "parse_quantity_value",
    "parse_reference",
    "parse_reference_value",
    "parse_string_value",
    "parse_token_value",
    "quantity_entries",
    "reference_entries",
    "split_or",
    "string_entries",
    "to_decimal",
    "token_entries",
    "unescape",
    "uri_entries",
]

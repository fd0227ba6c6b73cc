// Success or an Error, for operations with nothing to return (writing files).
#pragma once

#include <variant>

#include "parley/error.hpp"

namespace parley::metrics {

using Status = Result<std::monostate>;
inline Status ok_status() { return std::monostate{}; }

}  // namespace parley::metrics

// The compiled bodies of Asio and Beast for parley-load (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set on the target), built once instead of in every file.
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>

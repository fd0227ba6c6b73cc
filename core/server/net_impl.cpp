// The compiled bodies of Asio and Beast (BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION are set on parley_server_net), built once instead of in every
// file that includes them (TOOLCHAIN.md: roughly halves each Beast translation unit).
#include <utility>  // first: Boost 1.74 Asio needs std::exchange declared (TOOLCHAIN.md)

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>

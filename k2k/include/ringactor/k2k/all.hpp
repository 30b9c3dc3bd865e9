// ringactor k2k: everything a user of the K2K layer needs.
#pragma once

#include "ringactor/k2k/broker.hpp"
#include "ringactor/k2k/dynamic_message.hpp"
#include "ringactor/k2k/envelope.hpp"
#include "ringactor/k2k/error.hpp"
#include "ringactor/k2k/hlc.hpp"
#include "ringactor/k2k/receipt.hpp"
#include "ringactor/k2k/type_registry.hpp"

// ringactor: everything a user of the core runtime needs.
#pragma once

#include "ringactor/actor.hpp"
#include "ringactor/actor_system.hpp"
#include "ringactor/actor_system_config.hpp"
#include "ringactor/behavior.hpp"
#include "ringactor/blocking_actor.hpp"
#include "ringactor/error.hpp"
#include "ringactor/expected.hpp"
#include "ringactor/logger.hpp"
#include "ringactor/response_promise.hpp"
#include "ringactor/result.hpp"
#include "ringactor/scheduled_actor.hpp"
#include "ringactor/stateful_actor.hpp"
#include "ringactor/system_messages.hpp"
#include "ringactor/system_stats.hpp"
#include "ringactor/typed_actor.hpp"
#include "ringactor/typed_behavior.hpp"

// Every limit of the core, named and in one place (STYLE.md habit 3). Each is enforced where it is
// consumed, with a deliberate action when hit: a clear error, a disconnect, or shedding.
#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::limits {

// Wire protocol.
inline constexpr std::size_t frame_bytes_max = 64 * 1024;        // a text frame, before parsing
inline constexpr std::size_t json_depth_max = 16;                // nesting of arrays/objects
inline constexpr std::size_t text_bytes_max = 16 * 1024;         // text body (UTF-8 bytes)
inline constexpr std::size_t opaque_bytes_max = 48 * 1024;       // encrypted body (base64 chars)
inline constexpr std::size_t token_bytes_max = 1024;
inline constexpr std::size_t client_uuid_bytes_max = 64;
inline constexpr std::size_t media_url_bytes_max = 2048;
inline constexpr std::size_t mime_bytes_max = 128;
inline constexpr std::size_t group_name_bytes_max = 256;
inline constexpr std::size_t search_query_bytes_max = 256;
inline constexpr std::size_t request_ref_bytes_max = 64;         // the client's "rid"
inline constexpr std::size_t sync_positions_max = 1000;          // conversations in one sync
inline constexpr std::size_t users_per_request_max = 500;        // users named in one frame
inline constexpr std::uint32_t page_size_max = 200;              // history/search/sync page
inline constexpr std::uint32_t page_size_default = 50;
inline constexpr std::uint64_t user_id_max = (1ULL << 31) - 1;   // see conversation.hpp
inline constexpr std::uint64_t device_id_max = (1ULL << 20) - 1;

// Groups.
inline constexpr std::size_t group_members_max = 500;
inline constexpr std::size_t new_member_backfill = 20;           // last N messages for a joiner
// A group read mark tells the authors of the messages it newly covers, not every member: it looks
// at most this many of those messages (newest first), so it reaches at most this many authors.
inline constexpr std::uint32_t receipt_authors_scan_max = 50;

// Delivery.
inline constexpr std::uint64_t redelivery_after_ms = 5'000;
inline constexpr std::uint32_t redelivery_attempts_max = 5;      // then the device must sync
// A tracked delivery whose device is offline at its redelivery is kept this long for its return
// (its live copy may have been lost just before it went away, and a newer message it got live has
// put its sync position past this one), then given up.
inline constexpr std::uint64_t redelivery_offline_keep_ms = 600'000;
inline constexpr std::size_t pending_deliveries_max = 1'000'000; // per chat service instance
inline constexpr std::size_t device_window_max = 1'000;          // unacked deliveries per session
inline constexpr std::size_t dedup_entries_max = 1'000'000;      // in-memory dedup cache
inline constexpr std::size_t pending_store_requests_max = 100'000;
inline constexpr std::size_t devices_per_user_max = 16;
inline constexpr std::size_t conversation_queue_max = 1'000;     // inputs waiting on one conversation
inline constexpr std::size_t conversations_cached_max = 100'000; // per chat service instance
inline constexpr std::uint64_t fanout_mark_flush_ms = 1'000;     // a settled cursor waits for an append to carry it
inline constexpr std::size_t fanout_recoveries_max = 64;         // conversations re-fanned out at once after a restart

// Sessions and presence.
inline constexpr std::uint64_t heartbeat_interval_ms = 30'000;
inline constexpr std::uint32_t heartbeats_missed_max = 3;
inline constexpr std::uint64_t auth_timeout_ms = 10'000;         // connect → authenticated
inline constexpr std::uint32_t session_protocol_errors_max = 32; // consecutive bad frames → close
// Per-connection rate limit (token bucket over every client frame): a sustained rate and a burst
// (a sync replay is acked frame by frame); over it: `rate_limited`, and after this many refused
// frames in a row the session is closed.
inline constexpr std::uint32_t session_frames_per_s = 200;
inline constexpr std::uint32_t session_frames_burst = 400;
inline constexpr std::uint32_t session_rate_refusals_max = 100;
// A RegistryConnect that failed (registry shard failing over, a partition) is retried while the
// session lives: first after registry_retry_delay_ms, doubling up to registry_retry_delay_ms_max.
inline constexpr std::uint64_t registry_retry_delay_ms = 500;
inline constexpr std::uint64_t registry_retry_delay_ms_max = 5'000;
inline constexpr std::uint64_t presence_ttl_ms = 90'000;
inline constexpr std::size_t presence_subscriptions_max = 1'000; // per session
inline constexpr std::size_t watchers_per_user_max = 100'000;    // sessions watching one user
inline constexpr std::uint64_t typing_ttl_ms = 6'000;

// Push.
inline constexpr std::uint64_t push_collapse_window_ms = 60'000;
inline constexpr std::uint32_t push_rate_per_minute_max = 20;    // per user
inline constexpr std::size_t push_preview_bytes_max = 120;
inline constexpr std::size_t push_slots_per_user_max = 256;      // (device, conversation) collapse states
inline constexpr std::size_t push_mutes_per_user_max = 1'000;    // muted conversations

}  // namespace parley::limits

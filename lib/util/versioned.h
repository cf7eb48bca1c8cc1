/*
 * The struct_size rule of every versioned public struct (internal).
 */
#ifndef MIRS_VERSIONED_H
#define MIRS_VERSIONED_H

#include <mirsafety/mirsafety.h>

#include <stddef.h>

/* ---- versioned structs ----
 * The one rule for every public struct that starts with size_t struct_size
 * (docs/c-api.md, "Struct versions"): the caller's struct_size says how much
 * of the struct its header knew. Fields past it take their defaults (inputs)
 * or are not written (outputs); a struct_size past the library's own layout
 * is accepted only when every byte the library does not know is zero, since
 * a non-zero one is a newer field this library cannot honour. Every consumer
 * and init function goes through the three functions below. */

/* Reads a caller's input struct: *local holds the defaults, lib_size bytes
 * (its struct_size is left as lib_size); min(user->struct_size, lib_size)
 * bytes after the size field are copied from user. user == NULL keeps the
 * defaults. MIRS_E_INVALID_ARGUMENT naming type_name and both sizes when
 * struct_size is below oldest_size or a byte past lib_size is non-zero. */
int mirs__struct_in(const void *user, void *local, size_t lib_size, size_t oldest_size, const char *type_name);
/* Checks the struct_size of a caller's output struct by the same rule. */
int mirs__struct_out_check(const void *user, size_t lib_size, size_t oldest_size, const char *type_name);
/* Copies a filled *local (lib_size bytes) into a checked output struct, up
 * to the caller's struct_size; the caller's struct_size is kept. */
void mirs__struct_out(void *user, const void *local, size_t lib_size);
/* The public mirs_x_init(x, size): writes the defaults (lib_size bytes)
 * over min(size, lib_size) bytes, zeroes the rest up to size, sets
 * struct_size = size. Never writes past size bytes. */
int mirs__struct_init(void *user, size_t size, const void *defaults, size_t lib_size, size_t oldest_size,
                      const char *type_name);

/* The oldest layout of each versioned struct that the library accepts: the
 * size of the struct as a caller built against the oldest supported header
 * sees it. An entry never grows once released (that would refuse callers
 * that worked); a new struct's entry is its sizeof in the release that adds
 * it. 0.1 is the first release; its structs also accept the layout without
 * their last field (and some the older layouts they accepted before 0.1),
 * so the two-version path is exercised from the first release on. */
#define MIRS__OLDEST_mirs_dataset_options offsetof(mirs_dataset_options, max_line_bytes)
#define MIRS__OLDEST_mirs_filter offsetof(mirs_filter, seed)
#define MIRS__OLDEST_mirs_entropy_options sizeof(size_t)
#define MIRS__OLDEST_mirs_entropy_view offsetof(mirs_entropy_view, strides)
#define MIRS__OLDEST_mirs_entropy_summary offsetof(mirs_entropy_summary, max)
#define MIRS__OLDEST_mirs_entropy_group_test offsetof(mirs_entropy_group_test, auroc_hi)
#define MIRS__OLDEST_mirs_image_decode_options offsetof(mirs_image_decode_options, jpeg_warnings)
#define MIRS__OLDEST_mirs_image_info offsetof(mirs_image_info, channels)
#define MIRS__OLDEST_mirs_image_encode_options offsetof(mirs_image_encode_options, png_level)
#define MIRS__OLDEST_mirs_image_composite_options offsetof(mirs_image_composite_options, layout)
#define MIRS__OLDEST_mirs_prompt_options offsetof(mirs_prompt_options, labels)
#define MIRS__OLDEST_mirs_prompt_input offsetof(mirs_prompt_input, relation)
#define MIRS__OLDEST_mirs_responses_options offsetof(mirs_responses_options, max_records)
#define MIRS__OLDEST_mirs_record offsetof(mirs_record, response_len)
#define MIRS__OLDEST_mirs_records_options offsetof(mirs_records_options, reserved)
#define MIRS__OLDEST_mirs_report_html_options offsetof(mirs_report_html_options, reserved)
#define MIRS__OLDEST_mirs_store_options offsetof(mirs_store_options, max_line_bytes)
#define MIRS__OLDEST_mirs_model_comparison offsetof(mirs_model_comparison, mcnemar_p)
#define MIRS__OLDEST_mirs_judge_comparison offsetof(mirs_judge_comparison, agreement)
#define MIRS__OLDEST_mirs_score_options offsetof(mirs_score_options, progress)
#define MIRS__OLDEST_mirs_score_summary offsetof(mirs_score_summary, without_verdict)
#define MIRS__OLDEST_mirs_strip_options sizeof(size_t)
#define MIRS__OLDEST_mirs_judge_options sizeof(size_t)
#define MIRS__OLDEST_mirs_image_batch_options offsetof(mirs_image_batch_options, encode)
#define MIRS__OLDEST_mirs_official_options offsetof(mirs_official_options, reserved)
#define MIRS__OLDEST_mirs_judge_requests_options offsetof(mirs_judge_requests_options, progress)
#define MIRS__OLDEST_mirs_judge_requests_summary offsetof(mirs_judge_requests_summary, superseded)
#define MIRS__OLDEST_mirs_client_options offsetof(mirs_client_options, cancel)
#define MIRS__OLDEST_mirs_client_summary offsetof(mirs_client_summary, reserved)

/* The calls every module makes: T is the struct's typedef name, which
 * picks its MIRS__OLDEST_ entry (a struct without one does not compile). */
#define MIRS__STRUCT_IN(T, user, local) mirs__struct_in((user), (local), sizeof(T), MIRS__OLDEST_##T, #T)
#define MIRS__STRUCT_OUT_CHECK(T, user) mirs__struct_out_check((user), sizeof(T), MIRS__OLDEST_##T, #T)
#define MIRS__STRUCT_INIT(T, user, size, defaults)                                                                     \
    mirs__struct_init((user), (size), (defaults), sizeof(T), MIRS__OLDEST_##T, #T)

#endif

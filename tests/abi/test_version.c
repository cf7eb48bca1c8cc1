/* The runtime version functions agree with the header's macros. */
#include <mirsafety/mirsafety.h>

#include "../testutil.h"

int main(void)
{
    CHECK_EQ_INT(mirs_version_major(), MIRS_VERSION_MAJOR);
    CHECK_EQ_INT(mirs_version_minor(), MIRS_VERSION_MINOR);
    CHECK_EQ_INT(mirs_version_patch(), MIRS_VERSION_PATCH);
    CHECK_EQ_INT(mirs_version_number(), MIRS_VERSION_NUMBER);
    CHECK_STR(mirs_version_string(), MIRS_VERSION_STRING);
    CHECK_STR(mirs_status_str(MIRS_E_IO), "MIRS_E_IO");
    CHECK_STR(mirs_status_str(-9999), "MIRS_E_UNKNOWN");
    CHECK_STR(mirs_error_last(), "");
    CHECK_EQ_INT(mirs_error_last_status(), MIRS_OK);
    mirs_buf b = {0, 0};
    mirs_buf_free(&b);
    mirs_buf_free(NULL);
    CHECK(b.data == NULL && b.size == 0);
    return test_summary("version");
}

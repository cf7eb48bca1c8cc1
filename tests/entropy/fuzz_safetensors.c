/* Fuzz target: the .safetensors reader over arbitrary bytes (see fuzz_tensor.h). */
#include "fuzz_tensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mirs_entropy_tensor *t = NULL;
    if (mirs_entropy_tensor_open_memory(data, size, NULL, &t) == MIRS_OK) {
        touch(t);
        mirs_entropy_tensor_free(t);
    }
    t = NULL;
    if (mirs_entropy_tensor_open_memory(data, size, "attn", &t) == MIRS_OK) {
        touch(t);
        mirs_entropy_tensor_free(t);
    }
    return 0;
}

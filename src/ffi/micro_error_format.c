/*
 * The variadic functions of the services API (micro_Errorf,
 * micro_ErrorfCode, microError_Wrapf) and its two static errors. Stable
 * Rust cannot define a C variadic function, so these few lines are C; the
 * rest of microError lives in micro_error.rs, which shares this block
 * layout (MicroErrorBlock) and frees blocks with free().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Must match MicroErrorBlock in micro_error.rs. */
struct microError
{
    bool is_internal;
    struct microError *cause;
    int status;
    int code;
    const char *message;
};
typedef struct microError microError;

/* natsStatus values (status.h). */
#define MICRO_NATS_OK 0
#define MICRO_NATS_INVALID_ARG 16
#define MICRO_NATS_NO_MEMORY 24

static microError out_of_memory = {true, NULL, MICRO_NATS_NO_MEMORY, 0, "out of memory"};
static microError invalid_arg = {true, NULL, MICRO_NATS_INVALID_ARG, 0, "invalid function argument"};
static microError invalid_format = {true, NULL, MICRO_NATS_INVALID_ARG, 0, "invalid format string"};

microError *micro_ErrorOutOfMemory = &out_of_memory;
microError *micro_ErrorInvalidArg = &invalid_arg;

/* Defined in micro_error.rs (exported). */
void microError_Destroy(microError *err);

/* One block: the struct, then the formatted text. */
static microError *
new_error(int code, const char *format, va_list args)
{
    va_list again;
    microError *err;
    char *text;
    int len;

    if (format == NULL)
        format = "";
    va_copy(again, args);
    len = vsnprintf(NULL, 0, format, args);
    if (len < 0)
    {
        va_end(again);
        return &invalid_format;
    }
    err = (microError *)malloc(sizeof(microError) + (size_t)len + 1);
    if (err == NULL)
    {
        va_end(again);
        return &out_of_memory;
    }
    text = (char *)(err + 1);
    vsnprintf(text, (size_t)len + 1, format, again);
    va_end(again);
    err->is_internal = false;
    err->cause = NULL;
    err->status = MICRO_NATS_OK;
    err->code = code;
    err->message = text;
    return err;
}

microError *
micro_Errorf(const char *format, ...)
{
    va_list args;
    microError *err;

    va_start(args, format);
    err = new_error(0, format, args);
    va_end(args);
    return err;
}

microError *
micro_ErrorfCode(int code, const char *format, ...)
{
    va_list args;
    microError *err;

    va_start(args, format);
    err = new_error(code, format, args);
    va_end(args);
    return err;
}

microError *
microError_Wrapf(microError *err, const char *format, ...)
{
    va_list args;
    microError *outer;

    if (err == NULL)
        return NULL;
    va_start(args, format);
    outer = new_error(0, format, args);
    va_end(args);
    /* Without memory for the context, the original error is worth more. */
    if (outer->is_internal)
        return err;
    outer->cause = err;
    return outer;
}

/* A stand-in for bcryptprimitives.dll, which Wine 8.0 (Debian 12) lacks. Rust 1.78+ programs import
 * ProcessPrng from it for their random numbers and exit at once (code 53) where it is missing. Only the
 * Windows test run under Wine uses this (scripts/test-windows copies it into the fresh Wine prefix);
 * it is never shipped. It fills the buffer from advapi32's RtlGenRandom, the same system generator. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

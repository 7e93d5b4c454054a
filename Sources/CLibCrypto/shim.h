// OpenSSL libcrypto, with wrappers for what Swift cannot call (macros).
#ifndef SPOOLPOST_CLIBCRYPTO_SHIM_H
#define SPOOLPOST_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/md5.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>

static inline void clibcrypto_free(void *pointer) { OPENSSL_free(pointer); }
#endif

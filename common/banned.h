/* Functions we do not use: unbounded, not thread-safe or silently wrong. */
#ifndef FK_BANNED_H
#define FK_BANNED_H

#define FK_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) FK_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FK_BANNED(strcat)
#undef strncat
#define strncat(x, y, n) FK_BANNED(strncat)
#undef strncpy
#define strncpy(x, y, n) FK_BANNED(strncpy)
#undef sprintf
#define sprintf(...) FK_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FK_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) FK_BANNED(strtok)
#undef strtok_r
#define strtok_r(x, y, z) FK_BANNED(strtok_r)
#undef atoi
#define atoi(x) FK_BANNED(atoi)
#undef atol
#define atol(x) FK_BANNED(atol)
#undef gmtime
#define gmtime(t) FK_BANNED(gmtime)
#undef localtime
#define localtime(t) FK_BANNED(localtime)
#undef ctime
#define ctime(t) FK_BANNED(ctime)
#undef ctime_r
#define ctime_r(t, buf) FK_BANNED(ctime_r)
#undef asctime
#define asctime(t) FK_BANNED(asctime)
#undef asctime_r
#define asctime_r(t, buf) FK_BANNED(asctime_r)
#undef mktemp
#define mktemp(x) FK_BANNED(mktemp)

#endif

/*
 * musl-probe: asks the C library what localtime_r and nft's date parser
 * (nftables src/meta.c parse_iso_date: strptime, timegm, localtime_r,
 * minus tm_gmtoff) make of instants and wall times under TZ=argv[1].
 * Build with musl: musl-gcc -static -O2 -o musl-probe musl-probe.c
 * Regenerate the golden file: MUSL_PROBE=./musl-probe go test -run TestMuslGolden
 * stdin: "L <epoch>" -> "<gmtoff> <isdst>"; "N <YYYY-mm-dd HH:MM:SS>" -> "<epoch>"
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
/* stdin lines: "L <epoch>" -> "gmtoff isdst"; "N <YYYY-mm-dd HH:MM:SS>" -> nft's instant */
int main(int argc, char **argv) {
	setenv("TZ", argv[1], 1); tzset();
	char line[256];
	while (fgets(line, sizeof line, stdin)) {
		if (line[0] == 'L') {
			time_t t = strtoll(line + 2, 0, 10); struct tm tm;
			localtime_r(&t, &tm);
			printf("%ld %d\n", tm.tm_gmtoff, tm.tm_isdst);
		} else {
			struct tm tm; memset(&tm, 0, sizeof tm);
			strptime(line + 2, "%Y-%m-%d %T", &tm);
			time_t ts = timegm(&tm); struct tm cur;
			localtime_r(&ts, &cur);
			printf("%lld\n", (long long)(ts - cur.tm_gmtoff));
		}
	}
}

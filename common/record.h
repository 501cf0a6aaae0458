/* An input record and where it came from. */
#ifndef FK_RECORD_H
#define FK_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Position of a record in its source, for messages and rejects. */
struct fk_pos {
	const char *source; /* file name, "<stdin>", or topic; borrowed */
	long long line;     /* 1-based line in a file; 0 in Kafka */
	int32_t partition;  /* Kafka only, else -1 */
	int64_t offset;     /* Kafka only, else -1 */
};

/* "tx.ndjson:42" or "transactions[3]@1234"; returns snprintf's result. */
int fk_pos_format(const struct fk_pos *pos, char *buf, size_t len);

/* One unit of input: a line of a file or a Kafka message.  Everything is
 * borrowed and valid only during the tool's record callback. */
struct fk_rec {
	const char *data;
	size_t len;
	const char *key; /* Kafka message key or NULL */
	size_t keylen;
	int64_t ts_ms; /* Kafka message timestamp, or -1 */
	int truncated; /* longer than --max-line: data holds the start */
	struct fk_pos pos;
	/* Kafka: the value of the message's FK_SEQ_HEADER, or NULL. */
	const char *seq;
	size_t seqlen;
};

#endif

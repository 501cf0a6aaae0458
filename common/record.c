#include "record.h"

#include <stdio.h>

#include "banned.h"

int
fk_pos_format(const struct fk_pos *pos, char *buf, size_t len)
{
	if (pos->partition >= 0)
		return snprintf(buf, len, "%s[%d]@%lld", pos->source,
		    (int)pos->partition, (long long)pos->offset);
	return snprintf(buf, len, "%s:%lld", pos->source, pos->line);
}

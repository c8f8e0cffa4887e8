/* nats.c installs its header as <nats/nats.h> too; programs that include it
 * that way find ours here, in <prefix>/include/nats_rs/nats/nats.h. */
#ifndef NATS_RS_NATS_NATS_H_
#define NATS_RS_NATS_NATS_H_
#include "../nats_rs.h"
#endif /* NATS_RS_NATS_NATS_H_ */

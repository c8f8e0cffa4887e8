/* Compatibility entry point: programs written for nats.c include <nats.h>. */
#ifndef NATS_H_
#define NATS_H_
#include "nats_rs.h"
#endif /* NATS_H_ */

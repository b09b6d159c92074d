/* The example configuration and HR data, built into the binary for roster init. */
#ifndef ROSTER_EXAMPLES_H
#define ROSTER_EXAMPLES_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* relative path, "hr/persons.csv" */
	const unsigned char *data;
	size_t len;
};

extern const struct embedded_file example_files[];
extern const size_t example_nfiles;

#endif

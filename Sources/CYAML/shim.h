#ifndef SPOOLPOST_CYAML_SHIM_H
#define SPOOLPOST_CYAML_SHIM_H
#include <yaml.h>
#endif

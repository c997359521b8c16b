include "common.zpl";
include "/etc/passwd";
include "../x.zpl";
zone fuzz.test { soa ns hostmaster; ns ns; ns A 192.0.2.1; records from "legacy.zone"; records from "/dev/zero"; }

/*
 * portolan-capture: the capture helper of a packaged Portolan on Linux.
 *
 * The only file of the package with capture rights (the .deb's after-install script
 * gives it cap_net_raw,cap_net_admin and restricts it to the portolan-capture group,
 * as Wireshark does with dumpcap). It runs one thing: the app's capture child
 * (resources/app.asar/out/main/capture-child.js) under the app's own executable in Node
 * mode. Portolan starts it exactly as it starts any capture helper (child_process.fork
 * with this file as execPath), so the last argument is the child's JSON request.
 *
 * Why not give the capabilities to a copy of the Electron executable, as development
 * does with a copy of Node: a file with capabilities runs in secure-execution mode, and
 * there the dynamic loader ignores $ORIGIN in the library path, which is how Electron
 * finds libffmpeg.so beside it. So this helper holds the rights, raises them into the
 * ambient set (they survive execve into a file without capabilities, and such an exec is
 * not secure-execution), scrubs the environment (no NODE_OPTIONS, no LD_*: only Node's
 * IPC channel and ELECTRON_RUN_AS_NODE pass), and executes the fixed child. Whoever may
 * run this file may capture, and nothing more.
 *
 * Compiled by build/after-pack.mjs at packaging time (plain C, no libcap: capget,
 * capset and prctl are enough). RUNTIME and SCRIPT are paths relative to this file's
 * folder; tests compile it with their own.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RUNTIME
#define RUNTIME "portolan"
#endif
#ifndef SCRIPT
#define SCRIPT "resources/app.asar/out/main/capture-child.js"
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif

static const int CAPS[] = {CAP_NET_RAW, CAP_NET_ADMIN};
/* The environment variables that may pass: Node's IPC channel to the parent. */
static const char *KEEP[] = {"NODE_CHANNEL_FD=", "NODE_CHANNEL_SERIALIZATION_MODE="};

static int join(char *out, size_t size, const char *dir, const char *rel) {
  int n = snprintf(out, size, "%s/%s", dir, rel);
  return n > 0 && (size_t)n < size;
}

/*
 * Moves the capture capabilities this process was given (permitted, from the file)
 * into the inheritable and ambient sets. Without them (no rights granted, a nosuid
 * mount) the child still starts, and its probe reports "no permission" the usual way.
 */
static void raise_ambient(void) {
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &head, data) != 0) return;
  unsigned held = 0;
  for (size_t i = 0; i < sizeof CAPS / sizeof CAPS[0]; i++) {
    unsigned bit = 1u << CAPS[i];
    if (data[0].permitted & bit) {
      data[0].inheritable |= bit;
      held |= bit;
    }
  }
  if (!held || syscall(SYS_capset, &head, data) != 0) return;
  for (size_t i = 0; i < sizeof CAPS / sizeof CAPS[0]; i++) {
    if (held & (1u << CAPS[i])) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAPS[i], 0, 0);
  }
}

int main(int argc, char **argv, char **envp) {
  if (argc < 2) {
    fprintf(stderr, "portolan-capture: Portolan's capture helper; Portolan starts it, with a capture request\n");
    return 2;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    perror("portolan-capture: /proc/self/exe");
    return 127;
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return 127;
  *slash = '\0';
  char runtime[PATH_MAX], script[PATH_MAX];
  if (!join(runtime, sizeof runtime, self, RUNTIME) || !join(script, sizeof script, self, SCRIPT)) {
    fprintf(stderr, "portolan-capture: path too long\n");
    return 127;
  }

  raise_ambient();

  char *env[8];
  size_t e = 0;
  for (char **p = envp; *p && e < 2; p++) {
    for (size_t k = 0; k < sizeof KEEP / sizeof KEEP[0]; k++) {
      if (strncmp(*p, KEEP[k], strlen(KEEP[k])) == 0) env[e++] = *p;
    }
  }
  env[e++] = "ELECTRON_RUN_AS_NODE=1";
  env[e++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  env[e] = NULL;

  char *args[] = {runtime, script, argv[argc - 1], NULL};
  execve(runtime, args, env);
  perror("portolan-capture: cannot start the capture child");
  return 127;
}

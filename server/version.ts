/** Lanyard's release version: shown by `lanyard --version`, `sys/health` and `sys/seal-status`. */
export const VERSION = '0.1.0';

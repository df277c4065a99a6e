// The platform of this machine in the image-spec's words (GOOS/GOARCH), to pick an image's
// manifest out of an index that holds several.
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips64el: 'mips64le', loong64: 'loong64' };

export function hostPlatform(): { os: string; architecture: string } {
  return { os: 'linux', architecture: ARCH[process.arch] ?? process.arch };
}

/** Whether an index entry's platform (absent: any) runs here. */
export function platformMatches(platform: { os?: string; architecture?: string } | undefined): boolean {
  if (!platform) return true;
  const host = hostPlatform();
  return platform.os === host.os && platform.architecture === host.architecture;
}

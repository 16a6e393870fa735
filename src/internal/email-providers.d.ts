// The package `email-providers` ships JSON without type declarations: its default export is the
// list of ~8 000 public mailbox domains (all.json), lower-case.
declare module 'email-providers' {
  const domains: readonly string[];
  export default domains;
}

/** ServerNotice says that the server hides its schema (INTROSPECTION=false). */
export function ServerNotice() {
  return (
    <p className="mg-notice" role="status">
      The server hides its schema (introspection is off): no docs or autocompletion here. Operations still run.
    </p>
  );
}

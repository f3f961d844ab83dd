// Placeholder: replaced by the feature's page.
export default function ImportsPage() {
  return <h1>ImportsPage</h1>;
}

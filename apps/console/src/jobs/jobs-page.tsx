// Placeholder: replaced by the feature's page.
export default function JobsPage() {
  return <h1>JobsPage</h1>;
}

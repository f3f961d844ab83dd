// Placeholder: replaced by the feature's page.
export default function JobPage() {
  return <h1>JobPage</h1>;
}

// Placeholder: replaced by the feature's page.
export default function QueuesPage() {
  return <h1>QueuesPage</h1>;
}

/* pactctl entry point (placeholder until the control socket lands). */
int main(void)
{
	return 0;
}

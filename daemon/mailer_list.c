/* mailer_list: the message lists and the one-line texts that both sides
 * of the mailer use, the loop's (mailer.c) and the SMTP workers'
 * (mailer_smtp.c). See mailer_internal.h. */
#include <stddef.h>

#include "mailer_internal.h"

void
mailer_list_push(struct mailer_list *l, struct mailer_msg *mm)
{
	mm->next = NULL;
	mm->prev = l->tail;
	if (l->tail)
		l->tail->next = mm;
	else
		l->head = mm;
	l->tail = mm;
	l->n++;
}

void
mailer_list_remove(struct mailer_list *l, struct mailer_msg *mm)
{
	if (mm->prev)
		mm->prev->next = mm->next;
	else
		l->head = mm->next;
	if (mm->next)
		mm->next->prev = mm->prev;
	else
		l->tail = mm->prev;
	mm->prev = mm->next = NULL;
	l->n--;
}

void
mailer_text_oneline(char *dst, size_t dstlen, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < dstlen && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}
